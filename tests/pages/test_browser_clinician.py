"""The therapist's path in a real browser (Debian's chromium), at laptop and tablet sizes, axe-core on every page:
prep, a relational note with a withdrawal rupture partly repaired by metacommunication written by keyboard
alone, autosave surviving a reload, a stale save and an edit after signing refused, an addendum; the next
session's note repairs the rupture from the follow-up list; both drawn in the timeline; the supervisor co-signs
from the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from intake.services.responses import response_save_draft, response_submit
from practice import roles
from tests.factories.intake import packet_for, phq9_answers
from tests.factories.notes import appointment_for
from tests.factories.practice import (
    CareTeamMemberFactory,
    ClientFactory,
    ClinicianFactory,
    PracticeFactory,
    SupervisionFactory,
)
from tests.pages.conftest import LAPTOP, TABLET, axe_check, screenshot

SIZES = [pytest.param(LAPTOP, id="laptop"), pytest.param(TABLET, id="tablet")]
METACOMMUNICATION = "Metacommunication about the here-and-now of the relationship"


@pytest.fixture
def room(transactional_db):
    practice = PracticeFactory(name="Riverside Relational Therapy", time_zone="America/New_York")
    clinician = ClinicianFactory(
        membership__practice=practice, membership__roles=[roles.CLINICIAN], membership__user__full_name="Robin Reyes"
    )
    supervisor = ClinicianFactory(
        membership__practice=practice,
        membership__roles=[roles.CLINICIAN, roles.SUPERVISOR],
        membership__user__full_name="Sam Stone",
    )
    SupervisionFactory(practice=practice, supervisor=supervisor, supervisee=clinician, requires_cosign=True)
    client = ClientFactory(practice=practice, first_name="Margaret", preferred_name="Maggie", last_name="Lowe")
    CareTeamMemberFactory(practice=practice, client=client, clinician=clinician)
    now = timezone.now().replace(microsecond=0)
    last_week = appointment_for(clinician, client, starts_at=now - timedelta(days=7, hours=1))
    today = appointment_for(clinician, client, starts_at=now - timedelta(minutes=70))
    # Another client with an open PHQ-9 item-9 flag: first on the caseload attention list.
    flagged = ClientFactory(practice=practice, first_name="Theo", last_name="Marsh")
    CareTeamMemberFactory(practice=practice, client=flagged, clinician=clinician)
    response = packet_for(flagged, "phq-9", actor=clinician.membership).responses.get()
    response_save_draft(response=response, answers=phq9_answers([1, 1, 1, 1, 1, 1, 1, 1, 1]), via_link=True)
    response_submit(response=response, via_link=True)
    return {"clinician": clinician, "supervisor": supervisor, "client": client, "last": last_week, "today": today}


def _type(locator, text):
    locator.focus()
    locator.page.keyboard.type(text)


def _press(locator, key="Space"):
    locator.focus()
    locator.page.keyboard.press(key)


def _saved(page):
    expect(page.locator("#save-status[data-state='saved']")).to_contain_text("Saved at", timeout=10_000)


@pytest.mark.parametrize("viewport", SIZES)
def test_the_therapists_path(page_for, room, viewport):
    page = page_for(room["clinician"].membership, viewport)
    page.goto("/")
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    axe_check(page)
    due = page.locator("table", has=page.get_by_text("Earlier sessions still needing a note"))
    expect(due).to_contain_text("Maggie Lowe")
    expect(due).to_contain_text("Overdue: needs a note")

    due.get_by_role("link", name="Prep for Maggie").click()
    expect(page.get_by_role("heading", name="Session prep: Maggie Lowe")).to_be_visible()
    expect(page.get_by_text("No signed note yet.")).to_be_visible()
    assert "Maggie" not in page.title() and "Lowe" not in page.title()
    axe_check(page)

    page.goto("/clinical/today/")
    page.locator("table", has=page.get_by_text("Earlier sessions still needing a note")).get_by_role(
        "button", name="Write note for Maggie"
    ).click()
    expect(page.get_by_role("heading", name="Session note: Maggie Lowe")).to_be_visible()
    axe_check(page)
    note_url = page.url

    # The note, by keyboard alone: focus moves to a field, then typing, Space on radios and checkboxes.
    _type(page.get_by_label("What the session focused on"), "Grief about her father.")
    _type(page.get_by_label("The process between us (including my own felt response)"), "She went quiet.")
    _type(page.get_by_label("Plan", exact=True), "Return to the moment of distance.")
    slot = page.get_by_role("group", name="Add a rupture")
    _press(slot.get_by_role("radio", name="Withdrawal (moving away)"))
    _press(slot.get_by_role("checkbox", name="Minimal response"))
    _type(slot.get_by_label("When (minutes into the session)"), "25")
    _press(slot.get_by_role("group", name="Intensity (1 slight – 5 strong)").get_by_role("radio", name="3"))
    _type(slot.get_by_label("My contribution"), "I looked at the clock while she spoke.")
    _press(slot.get_by_role("checkbox", name=METACOMMUNICATION))
    _type(slot.get_by_label("Client's response"), "She said it felt like I wanted to move on.")
    _press(slot.get_by_role("radio", name="Partially repaired"))
    _saved(page)
    screenshot(page, "note-editor")

    page.reload()  # autosave survives a reload
    expect(page.get_by_label("What the session focused on")).to_have_value("Grief about her father.")
    rupture = page.get_by_role("group", name="Rupture 1")
    expect(rupture.get_by_role("radio", name="Withdrawal (moving away)")).to_be_checked()
    expect(rupture.get_by_role("radio", name="Partially repaired")).to_be_checked()
    expect(rupture.get_by_role("checkbox", name=METACOMMUNICATION)).to_be_checked()

    # A second tab saves first: this tab's next save is refused as stale, in words.
    other = page.context.new_page()
    other.goto(note_url)
    _type(other.get_by_label("Client's presentation"), "Tired.")
    _saved(other)
    _type(page.get_by_label("Interventions"), "Named the distance.")
    expect(page.locator("#save-error")).to_contain_text("changed in another window or tab")
    page.reload()
    expect(page.get_by_label("Client's presentation")).to_have_value("Tired.")

    _press(page.get_by_role("button", name="Sign note"), "Enter")
    expect(page.get_by_text("It now awaits your supervisor's co-signature.")).to_be_visible()
    expect(page.get_by_text("Signed, awaiting co-signature")).to_be_visible()
    expect(page.get_by_text("content unchanged since signing")).to_be_visible()
    axe_check(page)

    # The other tab still holds the draft form: its edit is refused now the note is signed.
    _type(other.get_by_label("Interventions"), " More.")
    expect(other.locator("#save-error")).to_contain_text("this note is signed and can no longer change")
    other.close()

    _type(page.get_by_label("New addendum"), "She wrote after the session to say she felt heard.")
    _press(page.get_by_role("button", name="Sign and add addendum"), "Enter")
    expect(page.get_by_text("Addendum signed and added.")).to_be_visible()
    expect(page.get_by_text("She wrote after the session to say she felt heard.")).to_be_visible()
    axe_check(page)

    # Today's session: the earlier rupture is offered for follow-up and repaired.
    page.goto("/clinical/today/")
    page.locator("table", has=page.get_by_text("Sessions (times in")).get_by_role(
        "button", name="Write note for Maggie"
    ).click()
    follow = page.get_by_role("group", name="Withdrawal, intensity 3")
    expect(follow).to_contain_text("Minimal response")
    follow.get_by_label("In this session").select_option("repaired")
    follow.get_by_role("checkbox", name="Acknowledging one's own contribution to the rupture").check()
    page.get_by_label("What the session focused on").fill("Returning to last week.")
    page.get_by_label("The process between us (including my own felt response)").fill("Warmer.")
    page.get_by_label("Plan", exact=True).fill("Continue grief work.")
    _saved(page)
    axe_check(page)
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_text("It now awaits your supervisor's co-signature.")).to_be_visible()

    page.get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", name="Relational timeline: Maggie Lowe")).to_be_visible()
    strip = page.locator("svg[aria-labelledby='strip-t strip-d']")
    expect(strip.locator("title", has_text="withdrawal, intensity 3, repaired in a later session")).to_have_count(1)
    expect(strip.locator("title", has_text="follow-up of an earlier rupture, repaired")).to_have_count(1)
    expect(page.get_by_text("Repair rate: 100%")).to_be_visible()
    strategies = page.locator("table", has=page.get_by_text("Strategies tried and how often repair followed"))
    expect(strategies).to_contain_text(METACOMMUNICATION)
    axe_check(page)
    screenshot(page, "timeline")

    page.get_by_role("link", name="Needs attention").click()
    first = page.locator(".attention-list > li").first
    expect(first).to_contain_text("Theo Marsh")
    expect(first).to_contain_text("PHQ-9 item 9")
    axe_check(page)
    screenshot(page, "caseload-attention")

    # The supervisor co-signs from the queue, oldest first.
    sup = page_for(room["supervisor"].membership, viewport)
    sup.goto("/clinical/cosign/")
    expect(sup.get_by_role("heading", name="Notes awaiting your co-signature")).to_be_visible()
    axe_check(sup)
    links = sup.get_by_role("link", name="Review and co-sign")
    expect(links).to_have_count(2)
    links.first.click()
    expect(sup.get_by_text("She went quiet.")).to_be_visible()  # the older note first
    sup.get_by_label("Comment").fill("Good attention to the moment of distance.")
    sup.get_by_role("button", name="Co-sign note").click()
    expect(sup.get_by_text("Co-signed.")).to_be_visible()
    expect(sup.get_by_role("link", name="Review and co-sign")).to_have_count(1)
    axe_check(sup)
    sup.goto("/clinical/supervision/")
    sup.get_by_role("link", name="Robin Reyes").click()
    expect(sup.locator("table")).to_contain_text("Maggie Lowe")
    axe_check(sup)
