#include "libcore/queue/operator.hpp"

#include "libcore/base/error.hpp"

namespace swd::queue {

std::string_view verb(Operation op) {
    switch (op) {
        case Operation::hold:
            return "hold";
        case Operation::release:
            return "release";
        case Operation::requeue:
            return "requeue";
        case Operation::flush:
            return "flush";
        case Operation::remove:
            return "delete";
    }
    return "";
}

Request transition(Request r, Operation op, const std::string& ts) {
    const auto refuse = [&](const std::string& why) {
        return Error(Exit::negative, r.id + ": " + why);
    };
    if (r.queue == "active") throw refuse("active now; wait for it to finish");
    const bool finished = r.queue == "done" || r.queue == "abort";
    switch (op) {
        case Operation::hold:
            if (finished) throw refuse("already finished (" + r.queue + ")");
            r.queue = "hold";
            r.held = true;
            break;
        case Operation::release:
            if (!r.held) throw refuse("not held");
            r.held = false;
            if (r.queue == "hold") {
                r.queue = "incoming";
                r.not_before = ts;
            }
            break;
        case Operation::requeue:
            if (r.queue == "done") r.pos = 0;
            r.queue = "incoming";
            r.mode = r.first_mode;
            r.held = false;
            r.not_before = ts;
            r.push_left = r.push_retries;
            r.pull_left = r.pull_retries;
            break;
        case Operation::flush:
            if (r.held) throw refuse("held (release it first)");
            if (r.queue != "hold" && r.queue != "pull")
                throw refuse("not waiting (" + r.queue + ")");
            r.queue = "incoming";
            r.not_before = ts;
            break;
        case Operation::remove:
            break;
    }
    r.updated = ts;
    return r;
}

Request operate(SQLite::Database& db, Operation op, const std::string& id, const std::string& ts,
                bool dry) {
    const auto found = find_request(db, id);
    if (!found) throw Error(Exit::negative, id + ": no such request");
    auto r = transition(*found, op, ts);
    if (dry) return r;
    if (op == Operation::remove)
        delete_request(db, id);
    else
        update_request(db, r);
    add_event(db, request_event(r, "SWD_Operator", harmless, false, "",
                                std::string(verb(op)) + " by operator", ts));
    return r;
}

distlog::Fields operation_log(Operation op, const Request& changed) {
    return {{"dist", changed.dist},
            {"event", "operator"},
            {"action", std::string(verb(op))},
            {"request", changed.id},
            {"target", changed.target},
            {"queue", op == Operation::remove ? "deleted" : changed.queue}};
}

std::vector<std::string> waiting_requests(SQLite::Database& db) {
    std::vector<std::string> ids;
    for (const auto* q : {"hold", "pull"})
        for (const auto& r : list_requests(db, q))
            if (!r.held) ids.push_back(r.id);
    return ids;
}

}  // namespace swd::queue
