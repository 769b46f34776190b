#include "libcore/alert/devices.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <string>

#include "caught_error.hpp"
#include "libcore/base/error.hpp"
#include "libcore/base/state.hpp"
#include "temp_dir.hpp"

using swd::Error;
using swd::Exit;
using swd::devices::Device;
using swd::test::TempDir;

namespace {

using swd::test::caught_error;

/// Writes `text` to DIR/devices.csv and returns the path.
std::string csv_file(const TempDir& dir, const std::string& text) {
    return dir.write("devices.csv", text);
}

/// The message of the error read_csv throws for `text`, checked to be a usage error.
std::string csv_error(const std::string& text) {
    TempDir dir;
    const auto path = csv_file(dir, text);
    const Error e = caught_error([&] { swd::devices::read_csv(path); });
    CHECK(e.code() == Exit::usage);
    const std::string what = e.what();
    REQUIRE(what.rfind(path + ":", 0) == 0);
    return what.substr(path.size() + 1);
}

Device device(std::string name, std::string domain, std::string building = "",
              std::string room = "", bool paging = false) {
    Device d;
    d.name = std::move(name);
    d.address = "10.0.0.1";
    d.domain = std::move(domain);
    d.region = "east";
    d.building = std::move(building);
    d.room = std::move(room);
    d.paging = paging;
    return d;
}

}  // namespace

TEST_CASE("read_csv takes the documented header", "[devices]") {
    TempDir dir;
    const auto devices = swd::devices::read_csv(
        csv_file(dir,
                 "name,address,domain,region,building,room,paging\n"
                 "pos-0042,10.1.2.3,east.example.com,east,Building 12,Room 3,yes\n"
                 "relay-a,relay-a.east.example.com,East.Example.COM,east,Building 1,,no\n"));
    REQUIRE(devices.size() == 2);
    CHECK(devices[0].name == "pos-0042");
    CHECK(devices[0].address == "10.1.2.3");
    CHECK(devices[0].domain == "east.example.com");
    CHECK(devices[0].region == "east");
    CHECK(devices[0].building == "Building 12");
    CHECK(devices[0].room == "Room 3");
    CHECK(devices[0].paging);
    CHECK(devices[0].location() == "Building 12/Room 3");
    CHECK(devices[1].domain == "east.example.com");  // domains are host names: lower case
    CHECK_FALSE(devices[1].paging);
    CHECK(devices[1].location() == "Building 1");
}

TEST_CASE("read_csv takes columns in any order and ignores unknown ones", "[devices]") {
    TempDir dir;
    const auto devices = swd::devices::read_csv(csv_file(dir,
                                                         "Room, notes ,NAME,building\n"
                                                         "Room 3,spare till,pos-0042,\n"
                                                         ",,pos-0043,Building 9\n"));
    REQUIRE(devices.size() == 2);
    CHECK(devices[0].name == "pos-0042");
    CHECK(devices[0].room == "Room 3");
    CHECK(devices[0].building.empty());
    CHECK(devices[0].location() == "Room 3");
    CHECK(devices[0].address.empty());
    CHECK_FALSE(devices[0].paging);
    CHECK(devices[1].name == "pos-0043");
    CHECK(devices[1].location() == "Building 9");
}

TEST_CASE("read_csv follows RFC 4180 quoting", "[devices]") {
    TempDir dir;
    const auto devices = swd::devices::read_csv(
        csv_file(dir,
                 "\xEF\xBB\xBFname,building,room\r\n"
                 "\"pos-0042\",\"Building 12, East Wing\",\"Room \"\"Blue\"\"\"\r\n"
                 "\r\n"
                 " \t \n"
                 "  pos-0043  ,  \"Hall\nfloor 2\"  ,\r\n"
                 "pos-0044,\"\",\"\"\n"
                 "pos-0045,B,R"));
    REQUIRE(devices.size() == 4);
    CHECK(devices[0].name == "pos-0042");
    CHECK(devices[0].building == "Building 12, East Wing");
    CHECK(devices[0].room == "Room \"Blue\"");
    CHECK(devices[1].name == "pos-0043");  // unquoted fields are trimmed
    CHECK(devices[1].building == "Hall\nfloor 2");
    CHECK(devices[1].room.empty());
    CHECK(devices[2].building.empty());
    CHECK(devices[3].room == "R");  // the last line needs no line end
}

TEST_CASE("read_csv reads every paging spelling", "[devices]") {
    TempDir dir;
    const auto devices = swd::devices::read_csv(csv_file(dir,
                                                         "name,paging\n"
                                                         "a,yes\nb,TRUE\nc,1\nd,On\n"
                                                         "e,no\nf,false\ng,0\nh,off\ni,\n"));
    REQUIRE(devices.size() == 9);
    for (std::size_t i = 0; i < devices.size(); ++i) {
        INFO(devices[i].name);
        CHECK(devices[i].paging == (i < 4));
    }
}

TEST_CASE("read_csv names the file and line of a bad line", "[devices]") {
    CHECK(csv_error("address,domain\n1.2.3.4,x\n").find("1: no 'name' column") == 0);
    CHECK(csv_error("") == "1: empty file: no header");
    CHECK(csv_error("name,name\n") == "1: column 'name' appears twice");
    CHECK(csv_error("name,room\na,1\nb,2,3\n") == "3: expected 2 fields as in the header, got 3");
    CHECK(csv_error("name,room\na,1\nb\n") == "3: expected 2 fields as in the header, got 1");
    CHECK(csv_error("name,room\n\n \t\r\nb\n") == "4: expected 2 fields as in the header, got 1");
    CHECK(csv_error("name,room\n,Room 3\n") == "2: empty name");
    CHECK(csv_error("name,paging\na,yes\nb,maybe\n") ==
          "3: paging: expected yes, no, true, false, 1, 0, on or off, got 'maybe'");
    CHECK(csv_error("name,room\na,Ro\"om\n").find("2: field 2: a quote inside an unquoted") == 0);
    CHECK(csv_error("name,room\na,\"Room\" 3\n") == "2: text after a closing quote");
    // A quoted field spans lines: the error names the line where the record starts, and later
    // errors count the lines inside it.
    CHECK(csv_error("name,room\na,\"Room\n3\nb,c\n") == "2: unterminated quoted field");
    CHECK(csv_error("name,room\na,\"Room\n3\"\nb,\"x\" y\n") == "4: text after a closing quote");
}

TEST_CASE("read_csv reports a file it cannot open as a failed input, with its errno",
          "[devices]") {
    TempDir dir;
    const auto path = (dir.path() / "missing.csv").string();
    const Error e = caught_error([&] { swd::devices::read_csv(path); });
    CHECK(e.code() == Exit::partial);
    CHECK(e.sys_errno() == ENOENT);
    CHECK(std::string(e.what()) == path + ": No such file or directory");
}

TEST_CASE("devices are stored, found, listed, and updated by a re-import", "[devices]") {
    TempDir dir;
    swd::State state(dir.path() / "state.db", {&swd::devices::schema()});
    state.write([](SQLite::Database& db) {
        swd::devices::upsert(db, device("relay-b", "west.example.com"));
        swd::devices::upsert(db, device("pos-0042", "east.example.com", "Bldg 12", "", true));
        swd::devices::upsert(db, device("relay-a", "east.example.com"));
        swd::devices::upsert(db, device("lonely", ""));
    });

    auto found = swd::devices::find(state.db(), "POS-0042");  // host names: any case
    REQUIRE(found);
    CHECK(found->name == "pos-0042");
    CHECK(found->address == "10.0.0.1");
    CHECK(found->region == "east");
    CHECK(found->location() == "Bldg 12");
    CHECK(found->paging);
    CHECK_FALSE(swd::devices::find(state.db(), "pos-0043"));

    auto all = swd::devices::list(state.db());
    REQUIRE(all.size() == 4);
    CHECK(all[0].name == "lonely");
    CHECK(all[1].name == "pos-0042");
    CHECK(all[3].name == "relay-b");
    CHECK(swd::devices::domains(state.db()) ==
          std::vector<std::string>{"east.example.com", "west.example.com"});

    // The inventory is imported again with corrections: same names, new values.
    const auto csv = csv_file(dir,
                              "name,domain,building,room,paging\n"
                              "POS-0042,east.example.com,Building 12,Room 3,no\n"
                              "relay-b,north.example.com,,,\n");
    state.write([&](SQLite::Database& db) {
        for (const auto& d : swd::devices::read_csv(csv))
            swd::devices::upsert(db, d);
    });
    all = swd::devices::list(state.db());
    REQUIRE(all.size() == 4);
    found = swd::devices::find(state.db(), "pos-0042");
    REQUIRE(found);
    CHECK(found->name == "POS-0042");  // the latest spelling wins
    CHECK(found->location() == "Building 12/Room 3");
    CHECK(found->address.empty());  // a column the new file lacks is cleared: the file is the truth
    CHECK_FALSE(found->paging);
    CHECK(swd::devices::domains(state.db()) ==
          std::vector<std::string>{"east.example.com", "north.example.com"});
}

TEST_CASE("a devices Finder finds many names with one statement, seeing later writes",
          "[devices]") {
    TempDir dir;
    swd::State state(dir.path() / "state.db", {&swd::devices::schema()});
    state.write([](SQLite::Database& db) {
        swd::devices::upsert(db, device("pos-0042", "east.example.com", "Bldg 12"));
    });
    swd::devices::Finder finder(state.db());
    auto found = finder.find("POS-0042");
    REQUIRE(found);
    CHECK(found->location() == "Bldg 12");
    CHECK_FALSE(finder.find("pos-0043"));
    // The finder holds no read snapshot between calls: a write after it is seen.
    state.write([](SQLite::Database& db) {
        swd::devices::upsert(db, device("pos-0043", "west.example.com", "Bldg 7"));
    });
    found = finder.find("pos-0043");
    REQUIRE(found);
    CHECK(found->region == "east");
    CHECK(found->location() == "Bldg 7");
}
