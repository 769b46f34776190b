#include "libcore/base/ids.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "temp_dir.hpp"

using namespace std::chrono_literals;
using swd::State;
using swd::timeutil::TimePoint;

namespace {

class TempState {
  public:
    TempState() : state_(dir_.path() / "state.db", {&swd::ids::schema()}) {}

    std::string next(char prefix, TimePoint when, int width = 6) {
        std::string id;
        state_.write([&](SQLite::Database& db) { id = swd::ids::next(db, prefix, when, width); });
        return id;
    }
    State& state() { return state_; }

  private:
    swd::test::TempDir dir_;  // before state_: the database is closed before its directory goes
    State state_;
};

const TimePoint nov21 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + 10h + 15min;

}  // namespace

TEST_CASE("ids schema is the module ids with its sequence table", "[ids]") {
    CHECK(swd::ids::schema().module == "ids");
    CHECK(swd::ids::schema().steps.size() == 1);
    TempState t;
    CHECK(t.state().db().tableExists("id_seq"));
}

TEST_CASE("ids are PREFIX-YYYYMMDD-NNN, counting from 1", "[ids]") {
    TempState t;
    CHECK(t.next('A', nov21) == "A-20261121-000001");
    CHECK(t.next('A', nov21) == "A-20261121-000002");
    CHECK(t.next('A', nov21 + 13h) == "A-20261121-000003");
}

TEST_CASE("ids are padded to the width asked for", "[ids]") {
    TempState t;
    CHECK(t.next('T', nov21, 4) == "T-20261121-0001");
    CHECK(t.next('T', nov21, 1) == "T-20261121-2");
    CHECK(t.next('T', nov21, 8) == "T-20261121-00000003");
}

TEST_CASE("ids grow beyond their width instead of repeating", "[ids]") {
    TempState t;
    for (int i = 1; i < 99; ++i)
        t.next('X', nov21, 2);
    CHECK(t.next('X', nov21, 2) == "X-20261121-99");
    CHECK(t.next('X', nov21, 2) == "X-20261121-100");
    CHECK(t.next('X', nov21, 2) == "X-20261121-101");
}

TEST_CASE("ids restart each UTC day and keep each day's sequence", "[ids]") {
    TempState t;
    const TimePoint last_second = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + 86399s;
    CHECK(t.next('E', last_second) == "E-20261121-000001");
    CHECK(t.next('E', last_second + 1s) == "E-20261122-000001");
    CHECK(t.next('E', last_second + 2s) == "E-20261122-000002");
    CHECK(t.next('E', nov21) == "E-20261121-000002");
    CHECK(t.next('E', std::chrono::sys_days{std::chrono::year{2027} / 1 / 1}) ==
          "E-20270101-000001");
}

TEST_CASE("ids sequences are independent per prefix", "[ids]") {
    TempState t;
    CHECK(t.next('A', nov21) == "A-20261121-000001");
    CHECK(t.next('T', nov21, 4) == "T-20261121-0001");
    CHECK(t.next('A', nov21) == "A-20261121-000002");
    CHECK(t.next('R', nov21) == "R-20261121-000001");
    CHECK(t.next('T', nov21, 4) == "T-20261121-0002");
}

TEST_CASE("ids taken in a rolled-back transaction are not used up", "[ids]") {
    TempState t;
    CHECK(t.next('A', nov21) == "A-20261121-000001");
    CHECK_THROWS_AS(t.state().write([](SQLite::Database& db) {
        CHECK(swd::ids::next(db, 'A', nov21) == "A-20261121-000002");
        throw std::runtime_error("abandoned");
    }),
                    std::runtime_error);
    CHECK(t.next('A', nov21) == "A-20261121-000002");
}

TEST_CASE("an ids Sequence gives what next() would, and saves where next() goes on", "[ids]") {
    TempState t;
    CHECK(t.next('T', nov21, 4) == "T-20261121-0001");
    t.state().write([](SQLite::Database& db) {
        swd::ids::Sequence seq(db, 'T', nov21, 4);
        CHECK(seq.next() == "T-20261121-0002");
        CHECK(seq.next() == "T-20261121-0003");
        seq.save();
        // Another sequence in the same transaction starts after the saved one.
        swd::ids::Sequence again(db, 'T', nov21 + 1h, 4);
        CHECK(again.next() == "T-20261121-0004");
        again.save();
    });
    CHECK(t.next('T', nov21, 4) == "T-20261121-0005");
    // A new day starts at 1; other prefixes are untouched.
    t.state().write([](SQLite::Database& db) {
        swd::ids::Sequence seq(db, 'T', nov21 + 24h, 4);
        CHECK(seq.next() == "T-20261122-0001");
        seq.save();
    });
    CHECK(t.next('T', nov21 + 24h, 4) == "T-20261122-0002");
    CHECK(t.next('A', nov21) == "A-20261121-000001");
}

TEST_CASE("an ids Sequence not saved, or rolled back, uses nothing up", "[ids]") {
    TempState t;
    t.state().write([](SQLite::Database& db) {
        swd::ids::Sequence seq(db, 'R', nov21);
        CHECK(seq.next() == "R-20261121-000001");
    });
    CHECK(t.next('R', nov21) == "R-20261121-000001");
    CHECK_THROWS_AS(t.state().write([](SQLite::Database& db) {
        swd::ids::Sequence seq(db, 'R', nov21);
        CHECK(seq.next() == "R-20261121-000002");
        seq.save();
        throw std::runtime_error("abandoned");
    }),
                    std::runtime_error);
    CHECK(t.next('R', nov21) == "R-20261121-000002");
}
