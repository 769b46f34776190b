#include "libcore/mail/outbox.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "libcore/mail/compose.hpp"
#include "smtp_server.hpp"
#include "temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using swd::State;
using swd::test::SmtpServer;
using swd::test::TempDir;
using swd::timeutil::TimePoint;

const std::vector<swd::timeutil::Duration> ladder{0s, 30s, 5min, 1h};
const TimePoint t0 = swd::timeutil::parse_rfc3339("2026-11-21T10:00:00Z").value();

State open_state(const TempDir& dir) {
    return State(dir.path() / "state.db", {&swd::outbox::schema()});
}

std::string message(const std::string& ref) {
    swd::mail::Outgoing m;
    m.from = "swd@service.example.com";
    m.to = {"mc@example.com"};
    m.subject = "[" + ref + "] ticket";
    m.body = "about " + ref + "\n";
    m.message_id = "<" + ref + "@service.example.com>";
    m.date = t0;
    return swd::mail::compose(m);
}

std::int64_t queue(State& state, const std::string& ref, TimePoint due = t0,
                   const std::string& kind = "ticket") {
    std::int64_t id = 0;
    state.write([&](SQLite::Database& db) {
        id = swd::outbox::enqueue(db, kind, ref, "swd@service.example.com", {"mc@example.com"},
                                  message(ref), due);
    });
    return id;
}

swd::smtp::Settings settings(const std::string& url) {
    swd::smtp::Settings s;
    s.url = url;
    s.timeout = 10s;
    return s;
}

swd::outbox::Entry only(State& state) {
    const auto all = swd::outbox::list(state.db(), "");
    REQUIRE(all.size() == 1);
    return all[0];
}

}  // namespace

TEST_CASE("a due message is sent once and then left alone", "[outbox]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    State state = open_state(dir);
    queue(state, "T-1");
    queue(state, "T-2", t0 + 1h);

    auto r = swd::outbox::deliver(state, settings(server.url()), ladder, t0);
    CHECK(r.sent == 1);
    CHECK(r.retry == 0);
    CHECK(r.failed == 0);
    REQUIRE(server.messages().size() == 1);
    CHECK(server.messages()[0] == message("T-1"));

    r = swd::outbox::deliver(state, settings(server.url()), ladder, t0 + 30min);
    CHECK(r.sent == 0);
    r = swd::outbox::deliver(state, settings(server.url()), ladder, t0 + 1h);
    CHECK(r.sent == 1);
    CHECK(server.messages().size() == 2);

    const auto sent = swd::outbox::list(state.db(), "sent");
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].ref == "T-1");
    CHECK(sent[0].attempts == 1);
    CHECK(sent[0].sent_at == "2026-11-21T10:00:00Z");
    CHECK(sent[1].sent_at == "2026-11-21T11:00:00Z");
    CHECK(swd::outbox::list(state.db(), "pending").empty());
}

TEST_CASE("a stopped server: retried at the ladder's times, delivered once when back", "[outbox]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    server.stop();
    State state = open_state(dir);
    queue(state, "T-1");
    const auto s = settings(server.url());

    auto r = swd::outbox::deliver(state, s, ladder, t0);
    CHECK(r.retry == 1);
    auto e = only(state);
    CHECK(e.status == "pending");
    CHECK(e.attempts == 1);
    CHECK(e.next_at == "2026-11-21T10:00:30Z");
    CHECK_FALSE(e.last_error.empty());

    // Not due before the next rung.
    r = swd::outbox::deliver(state, s, ladder, t0 + 29s);
    CHECK(r.retry + r.sent + r.failed == 0);

    r = swd::outbox::deliver(state, s, ladder, t0 + 30s);
    CHECK(r.retry == 1);
    CHECK(only(state).next_at == "2026-11-21T10:05:00Z");

    server.start();
    r = swd::outbox::deliver(state, s, ladder, t0 + 5min);
    CHECK(r.sent == 1);
    e = only(state);
    CHECK(e.status == "sent");
    CHECK(e.attempts == 3);
    CHECK(e.last_error.empty());
    r = swd::outbox::deliver(state, s, ladder, t0 + 2h);
    CHECK(r.sent == 0);
    CHECK(server.messages().size() == 1);
}

TEST_CASE("the ladder used up: failed with the last error", "[outbox]") {
    TempDir dir;
    State state = open_state(dir);
    queue(state, "T-1");
    const auto s = settings("smtp://127.0.0.1:" + std::to_string(swd::test::free_port()));
    for (auto at : {t0, t0 + 30s, t0 + 5min}) {
        CHECK(swd::outbox::deliver(state, s, ladder, at).retry == 1);
    }
    CHECK(only(state).next_at == "2026-11-21T11:00:00Z");
    // One attempt per call even when the process was away long enough for several rungs.
    const auto r = swd::outbox::deliver(state, s, ladder, t0 + 1h);
    CHECK(r.failed == 1);
    const auto e = only(state);
    CHECK(e.status == "failed");
    CHECK(e.attempts == 4);
    CHECK_FALSE(e.last_error.empty());
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 1000h).failed == 0);
}

TEST_CASE("retry_forever: past the ladder, pending at its last interval until taken", "[outbox]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    server.stop();
    State state = open_state(dir);
    queue(state, "A-1", t0, "alert");
    const auto s = settings(server.url());
    swd::outbox::Policy policy;
    policy.retry_forever = true;
    int failed_calls = 0;
    policy.on_failed = [&](SQLite::Database&, const swd::outbox::Entry&) { ++failed_calls; };

    CHECK(swd::outbox::last_interval(ladder) == 55min);
    for (auto at : {t0, t0 + 30s, t0 + 5min, t0 + 1h})
        CHECK(swd::outbox::deliver(state, s, ladder, at, "alert", policy).retry == 1);
    auto e = only(state);
    CHECK(e.status == "pending");
    CHECK(e.attempts == 4);
    CHECK(e.next_at == "2026-11-21T11:55:00Z");  // the 4th attempt + (1 h - 5 min)
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 1h + 54min, "alert", policy).retry == 0);
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 1h + 55min, "alert", policy).retry == 1);
    CHECK(only(state).next_at == "2026-11-21T12:50:00Z");
    CHECK(failed_calls == 0);

    server.start();
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 1000h, "alert", policy).sent == 1);
    e = only(state);
    CHECK(e.status == "sent");
    CHECK(e.attempts == 6);
    CHECK(server.messages().size() == 1);
    CHECK(failed_calls == 0);
}

TEST_CASE("retry_forever still fails a 5xx, in the transaction of on_failed, and retry resends it",
          "[outbox]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    State state = open_state(dir);
    state.db().exec("CREATE TABLE seen(id INTEGER, status TEXT, err TEXT)");
    const auto id = queue(state, "A-1", t0, "alert");
    const auto s = settings(server.url());
    swd::outbox::Policy policy;
    policy.retry_forever = true;
    policy.on_failed = [](SQLite::Database& db, const swd::outbox::Entry& e) {
        SQLite::Statement q(db, "INSERT INTO seen VALUES(?, ?, ?)");
        q.bind(1, e.id);
        q.bind(2, e.status);
        q.bind(3, e.last_error);
        q.exec();
    };
    server.answer("550");
    CHECK(swd::outbox::deliver(state, s, ladder, t0, "alert", policy).failed == 1);
    auto e = only(state);
    CHECK(e.status == "failed");
    SQLite::Statement seen(state.db(), "SELECT id, status, err FROM seen");
    REQUIRE(seen.executeStep());
    CHECK(seen.getColumn(0).getInt64() == id);
    CHECK(seen.getColumn(1).getString() == "failed");
    CHECK(seen.getColumn(2).getString().find("550 5.7.1 no") != std::string::npos);
    CHECK_FALSE(seen.executeStep());
    seen.reset();
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 1000h, "alert", policy).failed == 0);

    // retry: due now with a fresh ladder; only failed or pending entries of that kind.
    server.answer("250");
    bool ok = false;
    state.write([&](SQLite::Database& db) { ok = swd::outbox::retry(db, id, "ticket", t0); });
    CHECK_FALSE(ok);
    state.write([&](SQLite::Database& db) { ok = swd::outbox::retry(db, id, "alert", t0 + 2h); });
    CHECK(ok);
    e = only(state);
    CHECK(e.status == "pending");
    CHECK(e.attempts == 0);
    CHECK(e.next_at == "2026-11-21T12:00:00Z");
    CHECK(e.last_error.find("550") != std::string::npos);
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 2h, "alert", policy).sent == 1);
    CHECK(server.messages().size() == 1);
    state.write([&](SQLite::Database& db) { ok = swd::outbox::retry(db, id, "alert", t0 + 3h); });
    CHECK_FALSE(ok);  // sent: nothing to retry
    CHECK(swd::outbox::find(state.db(), id)->status == "sent");
    CHECK_FALSE(swd::outbox::find(state.db(), id + 1));
}

TEST_CASE("last_interval of short ladders", "[outbox]") {
    CHECK(swd::outbox::last_interval({}) == 0s);
    CHECK(swd::outbox::last_interval({45s}) == 45s);
    CHECK(swd::outbox::last_interval({0s, 1s, 2s}) == 1s);
}

TEST_CASE("late runs still take one attempt per call", "[outbox]") {
    TempDir dir;
    State state = open_state(dir);
    queue(state, "T-1");
    const auto s = settings("smtp://127.0.0.1:" + std::to_string(swd::test::free_port()));
    CHECK(swd::outbox::deliver(state, s, ladder, t0).retry == 1);
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 10h).retry == 1);
    CHECK(only(state).attempts == 2);
}

TEST_CASE("4xx is retried on the ladder, 5xx fails at once", "[outbox]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    State state = open_state(dir);
    const auto s = settings(server.url());

    server.answer("451");
    queue(state, "T-1");
    CHECK(swd::outbox::deliver(state, s, ladder, t0).retry == 1);
    auto e = only(state);
    CHECK(e.status == "pending");
    CHECK(e.last_error.find("451") != std::string::npos);
    server.answer("250");
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 30s).sent == 1);
    CHECK(server.messages().size() == 1);

    server.answer("550");
    queue(state, "T-2", t0 + 1h);
    const auto r = swd::outbox::deliver(state, s, ladder, t0 + 1h);
    CHECK(r.failed == 1);
    const auto failed = swd::outbox::list(state.db(), "failed");
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].ref == "T-2");
    CHECK(failed[0].attempts == 1);
    CHECK(failed[0].last_error.find("550 5.7.1 no") != std::string::npos);
    CHECK(swd::outbox::deliver(state, s, ladder, t0 + 100h).failed == 0);
}

TEST_CASE("deliver can be limited to one kind", "[outbox]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    State state = open_state(dir);
    queue(state, "T-1", t0, "ticket");
    queue(state, "P-1", t0, "page");
    const auto r = swd::outbox::deliver(state, settings(server.url()), ladder, t0, "page");
    CHECK(r.sent == 1);
    const auto pending = swd::outbox::list(state.db(), "pending");
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].kind == "ticket");
}

TEST_CASE("an entry left sending by a dead sender is due again after ten minutes", "[outbox]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    State state = open_state(dir);
    const auto fresh = queue(state, "T-fresh");
    const auto stale = queue(state, "T-stale");
    const auto claim = [&](std::int64_t id, std::chrono::seconds ago) {
        SQLite::Statement st(state.db(),
                             "UPDATE outbox SET status = 'sending', attempts = 1, first_at = ?, "
                             "claimed_at = ? WHERE id = ?");
        st.bind(1, swd::timeutil::format_rfc3339(t0));
        st.bind(2, swd::timeutil::format_rfc3339(swd::timeutil::now() - ago));
        st.bind(3, id);
        st.exec();
    };
    claim(fresh, 5min);
    claim(stale, 11min);
    const auto r = swd::outbox::deliver(state, settings(server.url()), ladder, t0);
    CHECK(r.sent == 1);
    REQUIRE(server.messages().size() == 1);
    CHECK(server.messages()[0] == message("T-stale"));
    const auto all = swd::outbox::list(state.db(), "");
    CHECK(all[0].status == "sending");
    CHECK(all[1].status == "sent");
    CHECK(all[1].attempts == 2);
}

TEST_CASE("two senders at once never send a message twice", "[outbox]") {
    TempDir dir;
    SmtpServer server(dir.path() / "smtpd");
    {
        State state = open_state(dir);
        for (int i = 0; i < 40; ++i)
            queue(state, "T-" + std::to_string(i));
    }
    std::vector<swd::outbox::Report> reports(2);
    std::vector<std::thread> senders;
    for (auto& report : reports) {
        senders.emplace_back([&] {
            State state = open_state(dir);
            report = swd::outbox::deliver(state, settings(server.url()), ladder, t0);
        });
    }
    for (auto& t : senders)
        t.join();
    CHECK(reports[0].sent + reports[1].sent == 40);
    const auto got = server.messages();
    CHECK(got.size() == 40);
    CHECK(std::set<std::string>(got.begin(), got.end()).size() == 40);
}
