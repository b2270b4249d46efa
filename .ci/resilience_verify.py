#!/usr/bin/env python3
"""Checks the resilience run (.ci/resilience) and prints its counts.

Usage: resilience_verify.py WORKDIR AUDIT(ok|failed) SAME_VERSION(yes|no); the database is
PORTCULLIS_DATABASE_URL. What must hold:
  - every action that got a success answer is stored exactly once (submits by their marker in
    the justification, comments by their text, claims and approvals by their audit rows);
  - every queued mail was sent, and the SMTP server received each exactly once (Message-ID
    carries the outbox id);
  - `portcullis audit verify` passed; both replicas answered the same allowlist version;
  - no 5xx and no unanswered call, except calls in flight when replica b was killed or while
    PostgreSQL was down (a second of margin either side): none around replica a's SIGTERM
    restart, which must stop cleanly within the drain deadline;
  - both replicas answered /readyz with 503 while PostgreSQL was down."""

import collections
import json
import os
import subprocess
import sys

work, audit, same_version = sys.argv[1:4]
database = os.environ["PORTCULLIS_DATABASE_URL"]
load = json.load(open(os.path.join(work, "load.json")))
actions = load["actions"]
events = dict(line.split() for line in open(os.path.join(work, "events")))
events = {k: int(v) for k, v in events.items()}
problems = []


def sql(query):
    out = subprocess.run(["psql", "-qtA", "-F", "\t", database, "-c", query],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def check(ok, message):
    if not ok:
        problems.append(message)


ok = [a for a in actions if a["status"] == 200]
# Submits: one request per marker that got its number back.
stored = collections.Counter(
    row[0].removeprefix("Resilience journey ").removesuffix(".")
    for row in sql("SELECT justification FROM image_request WHERE justification LIKE 'Resilience journey %'"))
for a in (a for a in ok if a["kind"] == "submit"):
    check(stored[a["marker"]] == 1, f"submit {a['marker']} (#{a['id']}) stored {stored[a['marker']]} times")
comments = collections.Counter(
    row[0].removeprefix("Comment ") for row in sql("SELECT body FROM request_event WHERE body LIKE 'Comment %'"))
for a in (a for a in ok if a["kind"] == "comment"):
    check(comments[a["marker"]] == 1, f"comment {a['marker']} stored {comments[a['marker']]} times")
audited = collections.Counter(
    (row[0], row[1]) for row in sql("SELECT action, subject FROM audit_log WHERE action IN ('request.claim', 'request.approve')"))
for a in (a for a in ok if a["kind"] in ("claim", "approve")):
    n = audited[(f"request.{a['kind']}", f"request:{a['id']}")]
    check(n == 1, f"{a['kind']} of #{a['id']} audited {n} times")
entries = collections.Counter(row[0] for row in sql("SELECT image_request_id FROM allowlist_entry"))
check(all(n == 1 for n in entries.values()), "a request with two allowlist entries")

# Mail: everything queued was sent, each once.
queued = {row[0]: row[1] for row in sql("SELECT mail_id, sent_at FROM mail_outbox")}
check(all(sent for sent in queued.values()), f"{sum(1 for s in queued.values() if not s)} mails never sent")
messages = [m for m in json.load(open(os.path.join(work, "smtp.json"))) if "portcullis-mail-" in (m["messageId"] or "")]
mail_id = lambda m: m["messageId"].split("portcullis-mail-")[1].split("@")[0]
received = collections.Counter(mail_id(m) for m in messages)
check(set(received) == set(queued), f"sent {len(received)} distinct mails of {len(queued)} queued")
# The one duplicate the outbox cannot rule out: a message the SMTP server accepted from the
# replica that was killed before it could record it (sent again, same Message-ID, when its lease
# ran out). Any other duplicate is a fault.
kill = events["kill_b"]
first_receipt = {}
for m in messages:
    first_receipt.setdefault(mail_id(m), m["date"])
duplicates = [k for k, n in received.items() if n > 1]
from datetime import datetime
at_kill = [k for k in duplicates
           if abs(datetime.fromisoformat(first_receipt[k].replace("Z", "+00:00")).timestamp() * 1000 - kill) <= 1000]
check(len(duplicates) == len(at_kill) and len(at_kill) <= 1,
      f"mails received more than once: {duplicates[:5]} (at the kill: {at_kill})")

unready = open(os.path.join(work, "unready_during_outage")).read().split()
check(len(unready) == 2, f"while PostgreSQL was down only {unready or 'no replica'} answered /readyz 503")
term_result = open(os.path.join(work, "term_result")).read().strip()
term_ms = events["a_stopped"] - events["term_a"]
check(term_result == "stopped", f"replica a on SIGTERM: {term_result}")
check(term_ms < 20_000, f"replica a took {term_ms} ms to stop on SIGTERM (the drain deadline is 20 s)")

check(audit == "ok", "portcullis audit verify failed: " + open(os.path.join(work, "audit.txt")).read()[:300])
check(same_version == "yes", "the replicas did not answer the same allowlist version within a second")

# Failures: only in flight at the kill or during the database restart.
margin = 1000
windows = {
    "replica b killed": (events["kill_b"] - margin, events["kill_b"] + margin),
    "database stopped": (events["db_restart"] - margin, events["db_up"] + margin),
}
rolling = (events["out_a"] - margin, events["a_ready"] + margin)
check(rolling[0] > windows["database stopped"][1],
      "replica a was taken out before the database window had closed: its failures could not be told apart")


def window_of(a):
    start, end = a["at"], a["at"] + a["ms"]
    for name, (lo, hi) in windows.items():
        if start <= hi and end >= lo:
            return name
    return None


failures = [a for a in actions if a["status"] == 0 or a["status"] >= 500]
explained = collections.Counter()
for a in failures:
    name = window_of(a)
    if name:
        explained[(name, a["status"])] += 1
    else:
        problems.append(f"{a['kind']} answered {a['status']} outside the fault windows: {a.get('error', '')[:120]}")
other = collections.Counter((a["kind"], a["status"]) for a in actions if 400 <= a["status"] < 500)

journeys = sum(1 for a in ok if a["kind"] == "submit")
done = sum(1 for a in ok if a["kind"] == "approve")
polls = collections.Counter(a["status"] for a in actions if a["kind"] == "poll")
print(f"resilience: {load['users']} users for {load['seconds']} s through nginx to two replicas")
print(f"  journeys started {journeys}, approved to the end {done}; calls {len(actions)}, succeeded {len(ok)}")
print(f"  by kind: {dict(collections.Counter(a['kind'] for a in ok))}")
print(f"  allowlist polls by status: {dict(polls)}")
print(f"  mails queued {len(queued)}, received {sum(received.values())} ({len(received)} distinct;"
      f" sent twice because the replica died between the SMTP server's OK and recording it: {len(at_kill)})")
in_windows = {f"{name}: {status or 'no answer'}": n for (name, status), n in explained.items()}
refusals = {f"{kind} {status}": n for (kind, status), n in other.items()}
print(f"  failures in the fault windows: {in_windows or 'none'}")
print(f"  4xx (refusals, not faults): {refusals or 'none'}")
around = sum(1 for a in actions if a["at"] <= rolling[1] and a["at"] + a["ms"] >= rolling[0])
check(around >= 20, f"only {around} calls around replica a's SIGTERM restart: the load had ended")
print(f"  replica a's SIGTERM restart: {term_result} in {term_ms} ms; {around} calls in"
      f" flight or made meanwhile, failures among them: {sum(1 for a in failures if a['at'] <= rolling[1] and a['at'] + a['ms'] >= rolling[0])}")
print(f"  /readyz 503 on both replicas while PostgreSQL was down: {'yes' if len(unready) == 2 else 'no'}")
print(f"  audit verify: {audit}; same allowlist version on both replicas: {same_version}")
if problems:
    print("resilience check failed:")
    for p in problems[:30]:
        print(f"  - {p}")
    sys.exit(1)
print("ok")
