"""Issue #13: the whole web app, across offices, as a hypothesis state machine.

Three PCC offices (Cheshire, Cumbria, Lancashire) and their forces, with two people of offices that take
part in nothing here (Greater Manchester, Merseyside), act at random through the JSON API and the pages:
start (one office, or a regional report for several), draft, decide, delegate, reassign, extend, remind,
withdraw, publish (as `signoff publish` does), sign in and out, and let time pass. Every text anybody types
carries a marker naming the sign-off it belongs to ("CHESHIRE-SECRET-0007"), so a leak is a marker in a
response its reader is not entitled to.

After every step every signed-in person's pages and API reads are visited, and:
- nothing answers 5xx;
- no response carries a marker of a sign-off the reader is not entitled to: a sign-off is its PCC office's
  and its force's, nobody else's; a force sees the office's own sections (the report summary, the
  commissioner's response) only when one of its people has been made part of them;
- nothing about a sign-off names a person of an organisation that is neither its office nor its force
  (the one who started it excepted);
- every refused action (4xx) changed nothing: every stored row but the sign-in bookkeeping, and the
  sign-off as its office's administrator reads it through the API.

Bounded for CI: a handful of examples of a few steps on each database. `SIGNOFF_STATEFUL_EXAMPLES` and
`SIGNOFF_STATEFUL_STEPS` raise the bounds for a longer local run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, text

from signoff.adapters.orm import metadata, outbox
from signoff.bootstrap import Application
from signoff.domain.errors import SignoffError
from signoff.entrypoints.web.app import create_web_app
from signoff.service.clock import FixedClock
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.publish import publish_signoff
from signoff.service.handlers.send_due_notices import send_due_notices
from tests.support.story import PUBLICATION_MORNING
from tests.support.web import TestClient, csrf_of, sign_in

OFFICES = {"cheshire-pcc": "CHESHIRE", "cumbria-pcc": "CUMBRIA", "lancashire-pcc": "LANCASHIRE"}
# People of offices that respond to nothing here: they must see nothing of it.
OUTSIDERS = ("thomas.whitworth@gmca.example.org", "grace.mccarthy@merseyside-pcc.example.org")
# Sections only the PCC office takes part in, as config/pipeline.yaml plans them.
OFFICE_SECTIONS = frozenset({"report-summary", "commissioner-response"})
MARKER = re.compile(r"\b([A-Z]+)-SECRET-(\d{4})\b")
# Rows that signing in writes (links, rate limits, server-side sessions): not the state an action changes.
BOOKKEEPING = re.compile(r"sign_in|session")
BASE = "http://127.0.0.1:8000"

EXAMPLES = int(os.environ.get("SIGNOFF_STATEFUL_EXAMPLES", "6"))
STEPS = int(os.environ.get("SIGNOFF_STATEFUL_STEPS", "10"))
# Not vacuous: at least this many kinds of action were tried, in at most this many more rounds of examples.
KINDS_TRIED = 6
MORE_ROUNDS = 2


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    organisation: str
    roles: frozenset[str]
    office: str | None  # the PCC office of their organisation (a force's office), if one of OFFICES


@dataclass
class Secret:
    """A marked text: who typed it, and which sign-offs (and section) it belongs to."""

    author: str
    signoffs: set[int] = field(default_factory=set)  # model indexes into Machine.signoffs
    section: str | None = None  # None: the sign-off's title or its findings


@dataclass
class Signoff:
    id: int
    office: str
    force: str
    starter: str
    # Force people made part of an office section (reassigned to it, or deciding for one of its people).
    force_in_office_sections: set[str] = field(default_factory=set)
    sections: list[str] = field(default_factory=list)
    published: bool = False  # its published response (every section's text) is its force's to read too
    marked: set[str] = field(default_factory=set)  # sections holding a marked text (a draft, a comment)


@dataclass
class Session:
    person: Person
    client: TestClient
    last_seen: Any
    swept_at: str | None = None  # the state (fingerprint and clock) at the last full visit


class Defects(AssertionError):
    pass


class CrossOfficeMachine(RuleBasedStateMachine):
    """One example: a fresh database with the directory loaded, three sign-offs started, then random steps."""

    application: Application
    clock: FixedClock
    # Inputs the machine does not generate (a narrowed run), each a name below; empty: everything.
    avoid: frozenset[str] = frozenset()

    def __init__(self) -> None:
        super().__init__()
        app = self.application
        self.web_app: FastAPI = create_web_app(app)
        self.people: dict[str, Person] = {}
        directory = app.load_directory_config()
        force_of = {o.key: o.force for o in directory.organisations if o.force}
        office_of_force = {force: office for office, force in force_of.items()}
        for p in directory.people:
            office = p.organisation if p.organisation in OFFICES else office_of_force.get(p.organisation)
            if office in OFFICES or p.email in OUTSIDERS:
                self.people[p.email] = Person(
                    p.email,
                    p.name,
                    p.organisation,
                    frozenset(p.roles),
                    office if office in OFFICES else None,
                )
        self.by_name = {p.name: p for p in self.people.values()}
        self.force_of = force_of
        self.sessions: dict[str, Session] = {}
        self.observers: dict[str, Session] = {}
        self.signoffs: list[Signoff] = []
        self.secrets: list[Secret] = []
        self.inspections = 0
        self.tried: dict[str, int] = {}
        self.refused: dict[str, int] = {}
        self.step_log: list[str] = []
        self.reasons: list[str] = []
        self.gets = 0
        self.last_actor = ""

    # ----- the world -----

    def _reset_database(self) -> None:
        """Each example starts alike: an empty database, the directory, the morning of publication."""
        self.clock.set(PUBLICATION_MORNING)
        app = self.application
        tables = list(reversed(metadata.sorted_tables))
        with app.engine.begin() as connection:
            if app.engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
                if _has_sqlite_sequence(connection):
                    connection.execute(text("DELETE FROM sqlite_sequence"))
        published = app.settings.publication_dir
        if published.exists():
            shutil.rmtree(published)
        load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)

    def person(self, email: str) -> Person:
        return self.people[email]

    def of_office(self, office: str, role: str) -> list[Person]:
        return sorted(
            (p for p in self.people.values() if p.organisation == office and role in p.roles),
            key=lambda p: p.email,
        )

    def of_force(self, office: str, role: str) -> list[Person]:
        return self.of_office(self.force_of[office], role)

    def secret(self, office_mark: str, author: str, signoffs: set[int], section: str | None) -> str:
        self.secrets.append(Secret(author=author, signoffs=set(signoffs), section=section))
        if section is not None:
            for index in signoffs:
                self.signoffs[index].marked.add(section)
        return f"{office_mark}-SECRET-{len(self.secrets) - 1:04d}"

    # ----- sessions: signing in the way a person does -----

    def _new_client(self) -> TestClient:
        return TestClient(self.web_app, base_url=BASE, follow_redirects=False)

    def _sign_in(self, client: TestClient, email: str) -> None:
        # Four minutes between links: nobody reaches the five-links-in-fifteen-minutes limit.
        self.clock.advance(timedelta(minutes=4))
        sign_in(client, self.application, email)

    def session(self, email: str) -> Session:
        """This person's signed-in session, signing in first if they have none (or it has lapsed)."""
        self.last_actor = email
        found = self.sessions.get(email)
        now = self.clock.now()
        if found is None or now - found.last_seen > timedelta(minutes=50):
            client = found.client if found else self._new_client()
            self._sign_in(client, email)
            found = Session(self.person(email), client, self.clock.now())
            self.sessions[email] = found
            self._cap_sessions(keep=email)
        return found

    def _cap_sessions(self, keep: str) -> None:
        """Three people signed in at a time: the one who waited longest signs out."""
        while len(self.sessions) > 3:
            oldest = min((s for e, s in self.sessions.items() if e != keep), key=lambda s: s.last_seen)
            self._sign_out(oldest)

    def _sign_out(self, session: Session) -> None:
        page = self.get(session, "/tasks")
        if page.status_code == 200:
            answer = session.client.post("/sign-out", data={"csrf_token": csrf_of(page.text)})
            assert answer.status_code == 303, answer.text
        after = session.client.get("/api/tasks")
        assert after.status_code == 401, f"{session.person.email} is still signed in after signing out"
        self.sessions.pop(session.person.email, None)
        session.client.close()

    def get(self, session: Session, path: str) -> Any:
        self.gets += 1
        answer = session.client.get(path)
        session.last_seen = self.clock.now()
        assert answer.status_code < 500, f"GET {path} as {session.person.email}: {answer.status_code}"
        return answer

    def observer(self, office: str) -> Session:
        """The office's administrator, reading its sign-offs for the fingerprints."""
        admin = self.of_office(office, "pcc_admin")[0]
        found = self.observers.get(office)
        if found is None or self.clock.now() - found.last_seen > timedelta(minutes=50):
            client = found.client if found else self._new_client()
            self._sign_in(client, admin.email)
            found = Session(admin, client, self.clock.now())
            self.observers[office] = found
        return found

    def api_headers(self, session: Session) -> dict[str, str]:
        answer = self.get(session, "/api/session")
        assert answer.status_code == 200, answer.text
        return {"X-CSRF-Token": answer.json()["csrf_token"]}

    # ----- fingerprints: a refused action changes nothing -----

    def database_fingerprint(self) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.application.engine.connect() as connection:
            for table in metadata.sorted_tables:
                if BOOKKEEPING.search(table.name):
                    continue
                # An email's rendered bytes follow from its other columns; leaving them out keeps this quick.
                query = select(*(c for c in table.columns if c.name != "message"))
                if table is outbox:
                    query = query.where(outbox.c.event != "sign_in_link")
                keys = list(table.primary_key.columns)
                rows = connection.execute(query.order_by(*keys)).all()
                found[table.name] = hashlib.sha256(
                    json.dumps([list(r) for r in rows], default=str).encode()
                ).hexdigest()
        return found

    def owner_view(self, signoff: Signoff | None) -> Any:
        if signoff is None:
            return None
        session = self.observer(signoff.office)
        answer = self.get(session, f"/api/signoffs/{signoff.id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def act(
        self,
        name: str,
        target: Signoff | None,
        describe: str,
        call: Callable[[], Any],
        refused_if: Callable[[Any], bool] | None = None,
    ) -> Any:
        """Make one request; a refusal (4xx, or what `refused_if` says) must have changed nothing."""
        self.tried[name] = self.tried.get(name, 0) + 1
        before_rows = self.database_fingerprint()
        before_view = self.owner_view(target)
        answer = call()
        status = answer.status_code
        self.step_log.append(f"{name}: {describe} -> {status}")
        assert status < 500, f"{describe}: {status} {answer.text[:500]}"
        refused = 400 <= status < 500 or (refused_if is not None and refused_if(answer))
        if refused:
            self.refused[name] = self.refused.get(name, 0) + 1
            self.reasons.append(f"{name} {status}: {_reason(answer)}")
            after_rows = self.database_fingerprint()
            changed = sorted(k for k in before_rows if before_rows[k] != after_rows.get(k))
            assert not changed, f"{describe} was refused ({status}) but changed table(s) {changed}"
            assert self.owner_view(target) == before_view, (
                f"{describe} was refused ({status}) but the sign-off as its administrator sees it changed"
            )
        return answer

    # ----- reading what the office's administrator sees, to pick sensible actors -----

    def section_json(self, signoff: Signoff, key: str) -> dict[str, Any]:
        answer = self.get(self.observer(signoff.office), f"/api/signoffs/{signoff.id}/sections/{key}")
        assert answer.status_code == 200, answer.text
        data: dict[str, Any] = answer.json()
        return data

    def section_keys(self, signoff: Signoff) -> list[str]:
        # A sign-off's sections are planned when it starts and never change.
        if not signoff.sections:
            view = self.owner_view(signoff)
            signoff.sections = [s["key"] for stage in view["stages"] for s in stage["sections"]]
        return signoff.sections

    def emails_of(self, names: list[str]) -> list[str]:
        return sorted(self.by_name[n].email for n in names if n in self.by_name)

    def pick_person(self, data: st.DataObject, preferred: list[str], label: str) -> Person:
        everyone = sorted(self.people)
        choice = data.draw(
            st.sampled_from(preferred)
            if preferred and data.draw(st.integers(0, 2), label=f"{label}: right person") > 0
            else st.sampled_from(everyone),
            label=label,
        )
        return self.person(choice)

    # ----- initial state -----

    @initialize()
    def three_offices_start_their_own_sign_offs(self) -> None:
        self._reset_database()
        for office in OFFICES:
            starter = self.of_office(office, "policy_officer")[0]
            answer = self._start(starter, [office], leads="own", via="api", findings=1)
            assert answer.status_code == 201, answer.text

    # ----- actions -----

    def _inspection(self, starter: Person, offices: list[str], leads: str, findings: int) -> dict[str, Any]:
        self.inspections += 1
        regional = len(offices) > 1
        mark = "REGION" if regional else OFFICES[offices[0]]
        first = len(self.signoffs)
        owners = set(range(first, first + len(offices)))
        title = f"Inspection {self.inspections} {self.secret(mark, starter.email, owners, None)}"
        items = []
        for n in range(findings):
            force_office = offices[n % len(offices)]
            if leads == "own":
                lead = self.of_force(force_office, "strategic_lead")[n % 2].email
            elif leads == "other":
                other = next(o for o in OFFICES if o not in offices) if len(offices) < len(OFFICES) else None
                lead = self.of_force(other, "strategic_lead")[0].email if other else None
            else:
                lead = None
            items.append(
                {
                    "ref": f"AFI-{n + 1}",
                    "kind": "area_for_improvement",
                    "text": f"The force should improve {self.secret(mark, starter.email, owners, None)}.",
                    "explanation": "Found during the inspection.",
                    "addressee": f"Chief Constable ({self.force_of[force_office]})",
                    # Every responding office's force answers it, whichever office it names: the
                    # leads, not the routing (tests/integration/test_routing_examples.py), are tested here.
                    "addressed_to": ["all-forces"],
                    **({"lead": lead} if lead else {}),
                }
            )
        return {
            "title": title,
            "published": "2023-11-10",
            "type": "regional_soc" if regional else "peel",
            "report_url": f"https://hmicfrs.example.org/report-{self.inspections}",
            "forces_covered": [self.force_of[o] for o in offices],
            "force_specific": {"answer": "yes"},
            "force_quoted": "n/a",
            "recommendations": {"national": False, "local": True, "regional": regional},
            "findings": items,
            "respond_for": offices,
        }

    def _start(self, starter: Person, offices: list[str], leads: str, via: str, findings: int) -> Any:
        inspection = self._inspection(starter, offices, leads, findings)
        session = self.session(starter.email)
        describe = f"{starter.email} starts {offices} (leads {leads}) via {via}"
        if via == "api":
            headers = self.api_headers(session)
            answer = self.act(
                "start",
                None,
                describe,
                lambda: session.client.post(
                    "/api/signoffs", json={"inspection": inspection, "respond_for": offices}, headers=headers
                ),
            )
            ids = answer.json()["signoff_ids"] if answer.status_code == 201 else []
        else:
            form = self.get(session, "/signoffs/new")
            fields: dict[str, Any] = {
                "csrf_token": csrf_of(form.text)
                if form.status_code == 200
                else csrf_of(self.get(session, "/tasks").text),
                "title": inspection["title"],
                "published": inspection["published"],
                "type": inspection["type"],
                "report_url": inspection["report_url"],
                "forces_covered": inspection["forces_covered"],
                "force_specific": "yes",
                "force_quoted": "n/a",
                "recommendations": ["local"] + (["regional"] if len(offices) > 1 else []),
                "respond_for": offices,
            }
            for n, finding in enumerate(inspection["findings"]):
                for key in ("ref", "kind", "text", "explanation", "lead"):
                    fields[f"findings-{n}-{key}"] = finding.get(key, "")
                fields[f"findings-{n}-addressed_to"] = ", ".join(finding["addressed_to"])
            answer = self.act(
                "start", None, describe, lambda: session.client.post("/signoffs/new", data=fields)
            )
            ids = []
            if answer.status_code == 303:
                first = int(answer.headers["location"].rsplit("/", 1)[1])
                ids = list(range(first, first + len(offices)))
        for signoff_id, office in zip(ids, offices, strict=False):
            self.signoffs.append(Signoff(signoff_id, office, self.force_of[office], starter.email))
        if not ids:
            # Refused: the markers belong to no sign-off (only their author may see them).
            for secret in self.secrets:
                secret.signoffs -= set(range(len(self.signoffs), len(self.signoffs) + len(offices)))
        return answer

    @rule(data=st.data())
    def start(self, data: st.DataObject) -> None:
        starters = [p.email for p in self.people.values() if {"policy_officer", "pcc_admin"} & p.roles]
        starter = self.pick_person(data, starters, "starter")
        home = starter.office or "cheshire-pcc"
        kinds = ["own"] if "regional" in self.avoid else ["own", "regional"]
        kind = data.draw(st.sampled_from(kinds), label="scope")
        if kind == "own":
            offices = [home]
        else:
            others = data.draw(
                st.lists(st.sampled_from(sorted(o for o in OFFICES if o != home)), min_size=1, unique=True),
                label="with",
            )
            offices = [home, *others]
        leads = data.draw(
            st.sampled_from(
                ["own", "none"] if "other_force_lead" in self.avoid else ["own", "none", "other"]
            ),
            label="leads",
        )
        via = data.draw(st.sampled_from(["api", "page"]), label="via")
        self._start(starter, offices, leads, via, findings=data.draw(st.integers(1, 2), label="findings"))

    def pick_signoff(self, data: st.DataObject) -> Signoff:
        return data.draw(st.sampled_from(self.signoffs), label="sign-off")

    def signoff_with(self, data: st.DataObject, state: str) -> Signoff:
        """A sign-off with a section in this state, when there is one: where a decision or a
        reassignment can be made."""
        found = [
            s
            for s in self.signoffs
            if any(
                line["state"] == state for stage in self.owner_view(s)["stages"] for line in stage["sections"]
            )
        ]
        return data.draw(st.sampled_from(found or self.signoffs), label="sign-off")

    def pick_section(self, data: st.DataObject, signoff: Signoff, states: tuple[str, ...] = ()) -> str:
        """Mostly a section of the open stage (in one of `states`, if given), where work can happen;
        sometimes any section."""
        view = self.owner_view(signoff)
        open_keys = [
            s["key"]
            for stage in view["stages"]
            if stage["state"] == "open"
            for s in stage["sections"]
            if not states or s["state"] in states
        ]
        if open_keys and data.draw(st.integers(0, 3), label="open stage") > 0:
            return data.draw(st.sampled_from(open_keys), label="section")
        return data.draw(st.sampled_from(self.section_keys(signoff)), label="section")

    @precondition(lambda self: self.signoffs)
    @rule(data=st.data())
    def draft(self, data: st.DataObject) -> None:
        signoff = self.pick_signoff(data)
        key = self.pick_section(data, signoff, ("drafting", "changes_requested", "in_approval"))
        section = self.section_json(signoff, key)
        author = self.pick_person(data, self.emails_of(section["drafters"]), "author")
        index = self.signoffs.index(signoff)
        body = f"Our response. {self.secret(OFFICES[signoff.office], author.email, {index}, key)}"
        via = data.draw(st.sampled_from(["api", "page"]), label="via")
        session = self.session(author.email)
        describe = f"{author.email} drafts #{signoff.id} {key} via {via}"
        if via == "api":
            headers = self.api_headers(session)
            self.act(
                "draft",
                signoff,
                describe,
                lambda: session.client.post(
                    f"/api/signoffs/{signoff.id}/sections/{key}/revisions",
                    json={"body": body, "note": "first go"},
                    headers=headers,
                ),
            )
        else:
            token = self._page_token(session, f"/signoffs/{signoff.id}/sections/{key}")
            self.act(
                "draft",
                signoff,
                describe,
                lambda: session.client.post(
                    f"/signoffs/{signoff.id}/sections/{key}/revisions",
                    data={"body": body, "note": "", "csrf_token": token},
                ),
            )

    def _page_token(self, session: Session, path: str) -> str:
        page = self.get(session, path)
        return csrf_of(page.text if page.status_code == 200 else self.get(session, "/tasks").text)

    @precondition(lambda self: self.signoffs)
    @rule(data=st.data())
    def decide(self, data: st.DataObject) -> None:
        signoff = self.signoff_with(data, "in_approval")
        key = self.pick_section(data, signoff, ("in_approval",))
        section = self.section_json(signoff, key)
        waiting = [r["approver"] for r in section["requests"] if r["state"] == "pending"]
        actor = self.pick_person(data, self.emails_of(waiting), "approver")
        outcome = data.draw(
            st.sampled_from(["approve", "request_changes", "request_changes"]), label="outcome"
        )
        index = self.signoffs.index(signoff)
        comment = (
            f"Please add more. {self.secret(OFFICES[signoff.office], actor.email, {index}, key)}"
            if outcome == "request_changes" and data.draw(st.booleans(), label="with comment")
            else ""
        )
        via = data.draw(st.sampled_from(["api", "page"]), label="via")
        session = self.session(actor.email)
        describe = f"{actor.email} decides {outcome} on #{signoff.id} {key} via {via}"
        if via == "api":
            headers = self.api_headers(session)
            self.act(
                "decide",
                signoff,
                describe,
                lambda: session.client.post(
                    f"/api/signoffs/{signoff.id}/sections/{key}/decisions",
                    json={"outcome": outcome, "comment": comment},
                    headers=headers,
                ),
            )
        else:
            token = self._page_token(session, f"/signoffs/{signoff.id}/sections/{key}")
            self.act(
                "decide",
                signoff,
                describe,
                lambda: session.client.post(
                    f"/signoffs/{signoff.id}/sections/{key}/decision",
                    data={"outcome": outcome, "comment": comment, "csrf_token": token},
                ),
            )

    @rule(data=st.data())
    def delegate(self, data: st.DataObject) -> None:
        by = self.pick_person(data, [], "by")
        admin_for = "pcc_admin" in by.roles and data.draw(st.booleans(), label="for someone else")
        candidates = sorted(self.people)
        if "cross_office_delegation" in self.avoid:
            home = {p for p in self.people.values() if p.office == by.office and by.office}
            candidates = sorted(p.email for p in home) or candidates
        from_person = data.draw(st.sampled_from(candidates), label="from") if admin_for else by.email
        to_person = data.draw(st.sampled_from(candidates), label="to")
        days = data.draw(st.integers(1, 10), label="days")
        via = "api" if admin_for else data.draw(st.sampled_from(["api", "page"]), label="via")
        session = self.session(by.email)
        now = self.clock.now()
        describe = f"{by.email} delegates {from_person}'s approvals to {to_person} for {days} days via {via}"
        if via == "api":
            headers = self.api_headers(session)
            body = {
                "to_person": to_person,
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(days=days)).isoformat(),
                "reason": "annual leave",
                **({"from_person": from_person} if admin_for else {}),
            }
            answer = self.act(
                "delegate",
                None,
                describe,
                lambda: session.client.post("/api/delegations", json=body, headers=headers),
            )
            accepted = answer.status_code == 201
        else:
            token = self._page_token(session, "/tasks")
            until = (now + timedelta(days=days)).date().isoformat()
            answer = self.act(
                "delegate",
                None,
                describe,
                lambda: session.client.post(
                    "/delegations",
                    data={
                        "to_person": to_person,
                        "until": until,
                        "reason": "annual leave",
                        "back": "/tasks",
                        "csrf_token": token,
                    },
                ),
                refused_if=lambda _a: "There is a problem" in self.get(session, "/tasks").text,
            )
            accepted = answer.status_code == 303
        if accepted:
            self._note_force_involvement(from_person, to_person)

    def _note_force_involvement(self, from_person: str, to_person: str) -> None:
        """A force person deciding for someone in an office section may see that section."""
        delegate = self.person(to_person)
        for signoff in self.signoffs:
            if delegate.organisation == signoff.force:
                signoff.force_in_office_sections.add(from_person)

    def _admin_actor(self, data: st.DataObject, signoff: Signoff) -> Person:
        owner = [p.email for p in self.of_office(signoff.office, "pcc_admin")]
        admins = sorted(p.email for p in self.people.values() if "pcc_admin" in p.roles)
        kind = data.draw(st.sampled_from(["owner", "owner", "another admin", "anyone"]), label="admin")
        pool = owner if kind == "owner" else admins if kind == "another admin" else sorted(self.people)
        return self.person(data.draw(st.sampled_from(pool), label="as"))

    @precondition(lambda self: self.signoffs)
    @rule(data=st.data())
    def reassign(self, data: st.DataObject) -> None:
        signoff = self.signoff_with(data, "in_approval")
        admin = self._admin_actor(data, signoff)
        key = self.pick_section(data, signoff, ("in_approval",))
        section = self.section_json(signoff, key)
        waiting = self.emails_of(
            [r["approver"] for r in section["requests"] if r["state"] in ("pending", "waiting")]
        )
        from_person = self.pick_person(data, waiting, "from")
        home = sorted(
            p.email for p in self.people.values() if p.organisation in (signoff.office, signoff.force)
        )
        pool = home if "cross_office_reassign" in self.avoid else sorted(self.people)
        to_person = self.pick_person(
            data, home if data.draw(st.booleans(), label="to own people") else pool, "to"
        )
        session = self.session(admin.email)
        headers = self.api_headers(session)
        answer = self.act(
            "reassign",
            signoff,
            f"{admin.email} reassigns #{signoff.id} {key} from {from_person.email} to {to_person.email}",
            lambda: session.client.post(
                f"/api/signoffs/{signoff.id}/reassign",
                json={"section": key, "from_person": from_person.email, "to_person": to_person.email},
                headers=headers,
            ),
        )
        # A place is its organisation's: an office's section never gains a force reader this way, and a
        # force's approval never goes to the office.
        assert answer.status_code != 200 or to_person.organisation == from_person.organisation, (
            f"{key} of #{signoff.id}: {from_person.email}'s place went to {to_person.email}, of another organisation"
        )

    @precondition(lambda self: self.signoffs)
    @rule(data=st.data())
    def extend(self, data: st.DataObject) -> None:
        signoff = self.pick_signoff(data)
        admin = self._admin_actor(data, signoff)
        stage = data.draw(
            st.sampled_from(
                ["report_summary", "constabulary_response", "commissioner_response", "publication"]
            ),
            label="stage",
        )
        new_due = date(2023, 11, 10) + timedelta(days=data.draw(st.integers(5, 70), label="days after"))
        session = self.session(admin.email)
        headers = self.api_headers(session)
        self.act(
            "extend",
            signoff,
            f"{admin.email} extends #{signoff.id} {stage} to {new_due}",
            lambda: session.client.post(
                f"/api/signoffs/{signoff.id}/extend",
                json={"stage": stage, "new_due_on": new_due.isoformat()},
                headers=headers,
            ),
        )

    @precondition(lambda self: self.signoffs)
    @rule(data=st.data())
    def remind(self, data: st.DataObject) -> None:
        signoff = self.pick_signoff(data)
        admin = self._admin_actor(data, signoff)
        key = self.pick_section(data, signoff)
        section = self.section_json(signoff, key)
        holder = self.pick_person(data, self.emails_of(section["holders"]), "holder")
        session = self.session(admin.email)
        headers = self.api_headers(session)
        self.act(
            "remind",
            signoff,
            f"{admin.email} reminds {holder.email} of #{signoff.id} {key}",
            lambda: session.client.post(
                f"/api/signoffs/{signoff.id}/sections/{key}/reminders",
                json={"holder": holder.email},
                headers=headers,
            ),
        )

    @precondition(lambda self: self.signoffs)
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        signoff = self.pick_signoff(data)
        admin = self._admin_actor(data, signoff)
        reason = data.draw(st.sampled_from(["Not ours to answer", ""]), label="reason")
        via = data.draw(st.sampled_from(["api", "page"]), label="via")
        session = self.session(admin.email)
        describe = f"{admin.email} withdraws #{signoff.id} (reason {reason!r}) via {via}"
        if via == "api":
            headers = self.api_headers(session)
            self.act(
                "withdraw",
                signoff,
                describe,
                lambda: session.client.post(
                    f"/api/signoffs/{signoff.id}/withdraw", json={"reason": reason}, headers=headers
                ),
            )
        else:
            token = self._page_token(session, f"/signoffs/{signoff.id}")
            self.act(
                "withdraw",
                signoff,
                describe,
                lambda: session.client.post(
                    f"/signoffs/{signoff.id}/withdraw", data={"reason": reason, "csrf_token": token}
                ),
                refused_if=lambda a: a.status_code == 303 and a.headers["location"].endswith("#withdraw"),
            )

    @precondition(lambda self: self.signoffs)
    @rule(data=st.data())
    def office_completes_its_approvals(self, data: st.DataObject) -> None:
        """The right people draft and approve every open section, through the API, as far as it goes:
        the way to 'ready to publish' that random steps seldom find."""
        signoff = self.pick_signoff(data)
        index = self.signoffs.index(signoff)
        for _round in range(6):
            view = self.owner_view(signoff)
            if view["state"] != "active":
                return
            progressed = False
            for stage in view["stages"]:
                if stage["state"] != "open":
                    continue
                for line in stage["sections"]:
                    section = self.section_json(signoff, line["key"])
                    if section["state"] in ("drafting", "changes_requested"):
                        author = self.emails_of(section["drafters"])[0]
                        session = self.session(author)
                        headers = self.api_headers(session)
                        secret = self.secret(OFFICES[signoff.office], author, {index}, line["key"])
                        answer = self.act(
                            "complete: draft",
                            signoff,
                            f"{author} drafts #{signoff.id} {line['key']}",
                            lambda s=session, h=headers, k=line["key"], b=secret: s.client.post(
                                f"/api/signoffs/{signoff.id}/sections/{k}/revisions",
                                json={"body": f"Text {b}"},
                                headers=h,
                            ),
                        )
                        progressed |= answer.status_code == 201
                    for request in section["requests"]:
                        if request["state"] != "pending" or request["approver"] not in self.by_name:
                            continue
                        approver = self.by_name[request["approver"]].email
                        session = self.session(approver)
                        headers = self.api_headers(session)
                        answer = self.act(
                            "complete: approve",
                            signoff,
                            f"{approver} approves #{signoff.id} {line['key']}",
                            lambda s=session, h=headers, k=line["key"]: s.client.post(
                                f"/api/signoffs/{signoff.id}/sections/{k}/decisions",
                                json={"outcome": "approve"},
                                headers=h,
                            ),
                        )
                        progressed |= answer.status_code == 201
            if not progressed:
                return

    @precondition(lambda self: self.signoffs)
    @rule(data=st.data())
    def publish(self, data: st.DataObject) -> None:
        """As `signoff publish ID --as EMAIL` does: the web app has no publish button."""
        ready = [s for s in self.signoffs if self.owner_view(s)["state"] in ("ready_to_publish", "published")]
        signoff = data.draw(st.sampled_from(ready or self.signoffs), label="sign-off")
        office_people = sorted(p.email for p in self.people.values() if p.organisation == signoff.office)
        by = self.pick_person(data, office_people, "by")
        self.tried["publish"] = self.tried.get("publish", 0) + 1
        before_rows = self.database_fingerprint()
        before_view = self.owner_view(signoff)
        note = "" if before_view["state"] != "published" else "A correction"
        refusal: SignoffError | None = None
        try:
            publish_signoff(
                PublishSignoff(signoff_id=signoff.id, by=by.email, note=note), self.application.deps
            )
        except SignoffError as error:
            refusal = error
        self.step_log.append(f"publish: {by.email} publishes #{signoff.id} -> {refusal or 'published'}")
        if refusal is None:
            signoff.published = True
        else:
            self.refused["publish"] = self.refused.get("publish", 0) + 1
            self.reasons.append(f"publish: {str(refusal)[:160]}")
            assert self.database_fingerprint() == before_rows, f"a refused publish ({refusal}) changed rows"
            assert self.owner_view(signoff) == before_view

    @rule(data=st.data())
    def end_sessions(self, data: st.DataObject) -> None:
        """An administrator signs someone out everywhere (their own office's and force's people only)."""
        admins = sorted(p.email for p in self.people.values() if "pcc_admin" in p.roles)
        admin = self.pick_person(data, admins, "admin")
        target = self.person(data.draw(st.sampled_from(sorted(self.people)), label="person"))
        session = self.session(admin.email)
        headers = self.api_headers(session)
        answer = self.act(
            "end sessions",
            None,
            f"{admin.email} ends {target.email}'s sessions",
            lambda: session.client.post(
                "/api/admin/end-sessions", json={"person": target.email}, headers=headers
            ),
        )
        if answer.status_code == 200:
            for email in {target.email} & set(self.sessions):
                ended = self.sessions.pop(email)
                assert ended.client.get("/api/tasks").status_code == 401, f"{email} is still signed in"
                ended.client.close()
            for office, observer in list(self.observers.items()):
                if observer.person.email == target.email:
                    observer.client.close()
                    del self.observers[office]

    @rule(data=st.data())
    def sign_in_someone(self, data: st.DataObject) -> None:
        person = self.person(data.draw(st.sampled_from(sorted(self.people)), label="person"))
        existing = self.sessions.pop(person.email, None)
        if existing is not None:
            existing.client.close()
        self.step_log.append(f"sign in: {person.email}")
        self.session(person.email)

    @precondition(lambda self: self.sessions)
    @rule(data=st.data())
    def sign_out_someone(self, data: st.DataObject) -> None:
        email = data.draw(st.sampled_from(sorted(self.sessions)), label="signed in")
        self.step_log.append(f"sign out: {email}")
        self._sign_out(self.sessions[email])

    @rule(days=st.integers(1, 4))
    def time_passes(self, days: int) -> None:
        """Days pass (every session lapses) and the scheduled sweep sends what is due."""
        self.clock.advance(timedelta(days=days))
        self.step_log.append(f"time passes: {days} days")
        for session in self.sessions.values():
            assert session.client.get("/api/tasks").status_code == 401, "a session outlived its idle time"
            session.client.close()
        self.sessions.clear()
        send_due_notices(self.application.deps)

    # ----- what everyone signed in can read -----

    def entitled(self, reader: Person, secret: Secret) -> bool:
        if reader.email == secret.author:
            return True  # what they typed themselves
        for index in secret.signoffs:
            signoff = self.signoffs[index]
            if reader.organisation == signoff.office:
                return True
            if reader.organisation == signoff.force and (
                secret.section not in OFFICE_SECTIONS or signoff.force_in_office_sections or signoff.published
            ):
                return True
        return False

    def check_markers(self, reader: Person, path: str, body: str) -> list[str]:
        problems = []
        for found in sorted(set(MARKER.findall(body))):
            number = int(found[1])
            secret = self.secrets[number]
            if not self.entitled(reader, secret):
                owners = [
                    f"#{self.signoffs[i].id} ({self.signoffs[i].office})" for i in sorted(secret.signoffs)
                ]
                what = f"section {secret.section}" if secret.section else "title/findings"
                problems.append(
                    f"{reader.email} ({reader.organisation}) reads {found[0]}-SECRET-{found[1]} "
                    f"({what} of {owners or 'no sign-off'}, typed by {secret.author}) at GET {path}"
                )
        return problems

    def check_people(self, reader: Person, signoff: Signoff, path: str, body: str) -> list[str]:
        problems = []
        for person in self.people.values():
            if person.email == reader.email or person.organisation in (signoff.office, signoff.force):
                continue
            if person.email == signoff.starter:
                continue
            if person.name in body or person.email in body:
                problems.append(
                    f"{reader.email} reads {person.name} ({person.organisation}) about #{signoff.id} "
                    f"({signoff.office}) at GET {path}"
                )
        return problems

    def check_office_people(self, reader: Person, path: str, body: str) -> list[str]:
        """An administrator's pages name the people of their office and its force, nobody else."""
        own = (reader.organisation, self.force_of.get(reader.organisation))
        return [
            f"{reader.email} ({reader.organisation}) reads {p.name} ({p.organisation}) at GET {path}"
            for p in self.people.values()
            if p.organisation not in own and (p.name in body or p.email in body)
        ]

    def state_key(self) -> str:
        rows = self.database_fingerprint()
        # The day, not the minute: signing in moves the clock on by minutes, which changes nobody's view.
        return hashlib.sha256(json.dumps([rows, self.clock.now().date().isoformat()]).encode()).hexdigest()

    def sweep(self, session: Session) -> list[str]:
        reader = session.person
        problems: list[str] = []
        paths = ["/tasks", "/api/tasks", "/api/session", "/signoffs/new"]
        if "pcc_admin" in reader.roles:
            paths += ["/admin", "/api/admin/attention", "/admin/people", "/admin/figures", "/admin/emails"]
            paths += ["/api/admin/emails/failed"]
        else:
            paths += ["/api/admin/attention"]
        for path in paths:
            answer = self.get(session, path)
            problems += self.check_markers(reader, path, answer.text)
            if path in ("/admin", "/admin/people", "/api/admin/attention") and answer.status_code == 200:
                problems += self.check_office_people(reader, path, answer.text)
            if path == "/api/admin/attention" and answer.status_code == 200:
                for item in answer.json()["items"]:
                    signoff = next((s for s in self.signoffs if s.id == item["signoff_id"]), None)
                    if signoff is not None:
                        problems += self.check_people(reader, signoff, path, json.dumps(item))
        for signoff in self.signoffs:
            # The JSON first; the page too when the JSON is shown (a refusal's page says what its JSON says).
            found = self.read(session, signoff, f"/api/signoffs/{signoff.id}", problems)
            if found is None:
                continue
            self.read(session, signoff, f"/signoffs/{signoff.id}", problems)
            for publication in found.json()["publications"]:
                for file in publication["files"]:
                    if file["name"].endswith((".html", ".md", ".json")):
                        path = f"/signoffs/{signoff.id}/published/{publication['version']}/{file['name']}"
                        self.read(session, signoff, path, problems)
        for signoff in self.signoffs:
            # Every section, the ones not shown too: a refusal must not carry the text either.
            for key in self.section_keys(signoff):
                if key not in signoff.marked and not key.startswith("finding-"):
                    continue  # nothing typed into it yet: its holders are on the sign-off's page too
                shown = self.read(session, signoff, f"/api/signoffs/{signoff.id}/sections/{key}", problems)
                # The page shows what the JSON does; it is read for whoever acted last (time is short).
                if shown and session.person.email == self.last_actor:
                    self.read(session, signoff, f"/signoffs/{signoff.id}/sections/{key}", problems)
        return problems

    def read(self, session: Session, signoff: Signoff, path: str, problems: list[str]) -> Any:
        """GET one thing about a sign-off and check it; the answer when it was shown (200), else None."""
        answer = self.get(session, path)
        problems += self.check_markers(session.person, path, answer.text)
        if answer.status_code != 200:
            return None
        problems += self.check_people(session.person, signoff, path, answer.text)
        return answer

    @invariant()
    def nobody_reads_what_is_not_theirs(self) -> None:
        if not self.signoffs:
            return
        state = self.state_key()
        problems: list[str] = []
        for session in list(self.sessions.values()):
            if session.swept_at == state:
                continue  # nothing changed since this person last read everything
            problems += self.sweep(session)
            session.swept_at = state
        if problems:
            raise Defects("\n".join(["leaks after:", *self.step_log[-6:], "found:", *sorted(set(problems))]))

    def teardown(self) -> None:
        for session in [*self.sessions.values(), *self.observers.values()]:
            session.client.close()


def _reason(answer: Any) -> str:
    if answer.headers.get("content-type", "").startswith("application/json"):
        return str(answer.json().get("detail"))[:160]
    found = re.search(r'<p class="[^"]*">([^<]{5,200})</p>', answer.text)
    return found.group(1) if found else answer.headers.get("location", "")


def _has_sqlite_sequence(connection: Any) -> bool:
    found = connection.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
    ).first()
    return found is not None


@dataclass
class Tally:
    tried: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    steps: int = 0
    requests: int = 0


def run_machine(
    app: Application, clock: FixedClock, avoid: frozenset[str], tally: Tally | None = None
) -> Tally:
    """Run the machine's examples, adding what they did to `tally` (a new one if none is given)."""
    tally = Tally() if tally is None else tally

    class Machine(CrossOfficeMachine):
        application = app

        def teardown(self) -> None:
            for name, count in self.tried.items():
                tally.tried[name] = tally.tried.get(name, 0) + count
            for name, count in self.refused.items():
                tally.refused[name] = tally.refused.get(name, 0) + count
            for reason in self.reasons:
                tally.reasons[reason] = tally.reasons.get(reason, 0) + 1
            tally.steps += len(self.step_log)
            tally.requests += self.gets
            super().teardown()

    Machine.clock = clock
    Machine.avoid = avoid
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            # Random, not derandomized: a few examples drawn the same way each run would try the same few
            # paths for ever. A failure prints its steps, and the blob to replay it (@reproduce_failure).
            database=None,
            print_blob=True,
            deadline=None,
            # Shrinking replays whole examples against the database: for a local hunt, not for CI.
            phases=[Phase.explicit, Phase.generate, Phase.shrink]
            if os.environ.get("SIGNOFF_STATEFUL_SHRINK")
            else [Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
    return tally


def test_offices_never_read_each_others_sign_offs(app: Application, clock: FixedClock) -> None:
    # Hypothesis runs each example on a random subset of the rules (swarm testing), so a handful of examples
    # now and then try only a few kinds of action: run more (at most twice more) until enough kinds ran.
    tally = run_machine(app, clock, avoid=frozenset())
    for _ in range(MORE_ROUNDS):
        if len(tally.tried) >= KINDS_TRIED:
            break
        run_machine(app, clock, avoid=frozenset(), tally=tally)
    print(
        f"cross-office machine: {tally.steps} actions, {tally.requests} reads; tried {tally.tried}; "
        f"refused {tally.refused}"
    )
    for reason, count in sorted(tally.reasons.items()):
        print(f"  refused x{count}: {reason}")
    # Not vacuous: many kinds of action ran, some were refused and some went through.
    assert len(tally.tried) >= KINDS_TRIED, tally.tried
    assert sum(tally.refused.values()) > 0
    assert sum(tally.tried.values()) > sum(tally.refused.values())
