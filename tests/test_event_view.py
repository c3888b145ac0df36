"""The facilitator's view: one attendee's progress from their status board, and the table and widget built from it."""

from __future__ import annotations

from dataclasses import dataclass

from workshop_lib.chapters.model import Status
from workshop_lib.event.hub import AttendeeStatus, _server_state
from workshop_lib.event.progress import Progress, summarize
from workshop_lib.event.view import counts, html_table, row_cells, table
from workshop_lib.findings import Finding, Severity


@dataclass
class Row:
    chapter: str
    key: str
    title: str
    status: Status


def _board(*states: tuple[str, str, Status]) -> list[Row]:
    return [Row(ch, key, key.title(), st) for ch, key, st in states]


def test_progress_names_the_first_chapter_with_work_left_and_the_first_wrong_step_with_its_failure_modes():
    wrong = Status.wrong("'AmazonConnectAgentAccessRole' needs fixing.", [Finding("F2", Severity.ERROR, "trusts the admin provider"), Finding("F10", Severity.WARNING, "x")])
    rows = _board(("01", "connect.instance", Status.done("ok")), ("04", "agent.iam.role", wrong),
                  ("05", "agents.users", Status.missing("no users")), ("07", "doctor", Status.wrong("1 problem", [Finding("F2", Severity.ERROR, "y")])))
    p = summarize(rows, "sandbox", 0.1234)
    assert (p.chapter, p.done, p.total, p.finished) == ("04", 1, 4, False)
    assert p.stuck.step == "agent.iam.role" and p.stuck.codes == ["F2", "F10"] and p.stuck.chapter == "04"
    assert p.seconds == 0.123


def test_progress_counts_steps_to_verify_by_eye_as_finished():
    p = summarize(_board(("03", "agent.app.mappings", Status.unknown("verify by eye")), ("07", "doctor", Status.done("ok"))), "sandbox")
    assert p.finished and p.stuck is None and p.chapter == ""


def test_a_missing_step_is_work_left_not_stuck():
    p = summarize(_board(("01", "connect.instance", Status.done("ok")), ("02", "org.organization", Status.missing("none yet"))), "sandbox")
    assert p.chapter == "02" and p.stuck is None and not p.finished


def test_progress_survives_the_trip_through_json():
    p = summarize(_board(("04", "agent.iam.role", Status.wrong("w", [Finding("F2", Severity.ERROR, "m")]))), "sandbox")
    assert Progress.from_dict(p.as_dict()) == p


def _attendees() -> list[AttendeeStatus]:
    finished = summarize(_board(("07", "doctor", Status.done("ok"))), "sandbox")
    stuck = summarize(_board(("04", "agent.iam.role", Status.wrong("role needs fixing", [Finding("F2", Severity.ERROR, "m")]))), "sandbox")
    working = summarize(_board(("02", "org.organization", Status.missing("none"))), "sandbox")
    return [AttendeeStatus("ana", "ready", finished), AttendeeStatus("bo", "ready", stuck), AttendeeStatus("cy", "ready", working),
            AttendeeStatus("di", "stopped")]


def test_table_shows_each_attendee_and_anonymous_totals():
    text = table(_attendees())
    bo = next(line for line in text.splitlines() if line.startswith("bo"))
    assert "04 agent.iam.role (wrong): role needs fixing" in bo and bo.rstrip().split()[-2] == "F2"
    assert next(line for line in text.splitlines() if line.startswith("ana")).split()[2] == "finished"
    assert text.splitlines()[-1] == "attendees: 4, finished: 1, stuck: 1, working: 1, not running: 1"
    assert counts(_attendees())["stuck"] == 1


def test_table_escapes_nothing_but_html_view_escapes_markup_in_summaries():
    evil = AttendeeStatus("<img src=x onerror=alert(1)>", "ready", summarize(_board(("04", "s", Status.wrong("<script>x</script>"))), "sandbox"))
    assert "<script>" not in html_table([evil]) and "&lt;script&gt;" in html_table([evil])
    assert row_cells(evil)[0] == evil.name


def test_server_state_from_the_hub_user_model():
    assert _server_state({"servers": {}}) == "stopped"
    assert _server_state({"servers": {"": {"ready": True}}}) == "ready"
    assert _server_state({"servers": {"": {"ready": False, "pending": "spawn"}}}) == "starting"
    assert _server_state({"servers": {"": {"ready": False, "pending": "stop"}}}) == "stopping"


class _Hub:
    def __init__(self) -> None:
        self.calls = 0

    def statuses(self):
        self.calls += 1
        return _attendees()[: self.calls]


def test_widget_refresh_button_reads_the_hub_again():
    from workshop_lib.event.view import live_view

    hub = _Hub()
    box = live_view(hub)
    assert hub.calls == 1 and "<td>ana</td>" in box.table.value and "<td>bo</td>" not in box.table.value
    box.children[0].children[0].click()
    assert hub.calls == 2 and "<td>bo</td>" in box.table.value and "<td>F2</td>" in box.table.value


def test_widget_shows_a_hub_error_as_a_sentence():
    from workshop_lib.event.hub import HubError
    from workshop_lib.event.view import live_view

    class Down:
        def statuses(self):
            raise HubError("The hub at http://127.0.0.1:9 did not answer (refused).", fix="Check the hub's address.")

    box = live_view(Down())
    assert "did not answer" in box.children[0].children[1].value and box.table.value == ""


def test_event_status_needs_a_token_and_says_where_to_get_it(monkeypatch, capsys):
    from workshop_lib.cli import main

    monkeypatch.delenv("WORKSHOP_HUB_TOKEN", raising=False)
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    assert main(["event", "status", "--hub", "http://127.0.0.1:9"]) == 1
    assert "JUPYTERHUB_API_TOKEN" in capsys.readouterr().err


def test_status_route_answers_from_the_last_pass_and_checks_again_in_the_background(monkeypatch):
    import asyncio
    import threading

    from workshop_lib.event import progress
    from workshop_lib.event.server_ext import StatusCache

    passes: list[int] = []
    release = threading.Event()

    def fake_pass():
        passes.append(len(passes) + 1)
        if len(passes) == 2:
            release.wait(5)  # the background pass is still running while the facilitator looks again
        return summarize(_board(("0%d" % len(passes), "step", Status.missing("todo"))), "sandbox")

    monkeypatch.setattr(progress, "current_progress", fake_pass)
    cache = StatusCache(max_age=0.0)

    async def looks():
        first = await cache.get()  # nothing yet: waits for the first pass
        second = await cache.get()  # stale: answered from pass 1 at once, pass 2 starts behind it
        third = await cache.get()  # pass 2 still running: still pass 1, and no third pass piles up
        release.set()
        await asyncio.sleep(0.2)
        fourth = await cache.get()  # pass 2 done: its answer (and pass 3 starts)
        fresh = await cache.get(fresh=True)  # waits for a pass of its own
        return first, second, third, fourth, fresh

    first, second, third, fourth, fresh = asyncio.run(looks())
    assert [r["chapter"] for r in (first, second, third, fourth)] == ["01", "01", "01", "02"]
    assert fresh["chapter"] == f"0{passes[-1]}" and passes[-1] >= 4


def test_hub_reads_every_page_of_attendees(monkeypatch):
    """More attendees than one page of the hub's user list (200): every page is read, by the hub's own links."""
    from workshop_lib.event.hub import PAGINATION, Hub

    people = [{"name": f"attendee{i:03d}", "kind": "user", "servers": {}} for i in range(450)]
    asked = []

    def request(self, method, path, body=None, *, api=True, accept="application/json"):
        offset = int(path.split("offset=")[1].split("&")[0])
        asked.append((offset, accept))
        nxt = {"offset": offset + 200} if offset + 200 < len(people) else None
        return 200, {"items": people[offset:offset + 200], "_pagination": {"offset": offset, "limit": 200, "total": len(people), "next": nxt}}

    monkeypatch.setattr(Hub, "request", request)
    assert [u["name"] for u in Hub("http://hub", "t").users()] == [p["name"] for p in people]
    assert asked == [(0, PAGINATION), (200, PAGINATION), (400, PAGINATION)]
