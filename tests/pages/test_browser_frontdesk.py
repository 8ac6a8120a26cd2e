"""The front desk's day in a real browser (Debian's chromium), at laptop and tablet sizes, axe-core on every page
opened: sign in, find a slot, book a client, book a weekly series that meets a conflict and book the rest,
reschedule one session, cancel another; and the booking path by keyboard alone."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from practice import roles
from scheduling.models import Appointment, AppointmentSeries, SeriesSkippedOccurrence, Status
from tests.factories.practice import (
    PASSWORD,
    ClientFactory,
    ClinicianFactory,
    MembershipFactory,
    PracticeFactory,
)
from tests.factories.scheduling import AppointmentTypeFactory, LocationFactory, RoomFactory, working_every_day
from tests.pages.conftest import LAPTOP, TABLET, axe_check, screenshot

SIZES = [pytest.param(LAPTOP, id="laptop"), pytest.param(TABLET, id="tablet")]
TZ = "America/New_York"


@pytest.fixture
def desk(transactional_db):
    practice = PracticeFactory(name="Harbor Relational Therapy", time_zone=TZ)
    front_desk = MembershipFactory(
        practice=practice, roles=[roles.FRONT_DESK], user__full_name="Frank Desai", user__email="desk@example.test"
    )
    clinician = ClinicianFactory(
        membership__practice=practice, membership__user__full_name="Sam Okafor", credentials="LMFT", time_zone=TZ
    )
    working_every_day(clinician, start=time(9, 0), end=time(17, 0))
    client = ClientFactory(practice=practice, first_name="Jordan", last_name="Lee", preferred_name="Jo")
    ClientFactory(practice=practice, first_name="Maya", last_name="Patel")
    kind = AppointmentTypeFactory(practice=practice, name="Individual session", duration_minutes=50)
    RoomFactory(location=LocationFactory(practice=practice, name="Main office"), name="Room 1")
    day = (timezone.now().astimezone(ZoneInfo(TZ)) + timedelta(days=7)).date()
    return {"member": front_desk, "clinician": clinician, "client": client, "type": kind, "day": day}


def _sign_in(page):
    page.goto("/sign-in/")
    axe_check(page)
    page.get_by_label("Email").fill("desk@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Calendar", exact=True)).to_be_visible()  # the front desk's start page
    axe_check(page)


@pytest.mark.parametrize("viewport", SIZES)
def test_front_desk_finds_a_slot_books_a_series_reschedules_and_cancels(page_for, desk, viewport):
    page = page_for(None, viewport)
    _sign_in(page)
    day = desk["day"].isoformat()

    # Find a slot: the first free time with Sam Okafor that day, bookable in one click.
    page.get_by_role("link", name="Find a slot").first.click()
    axe_check(page)
    page.get_by_label("Type").select_option(label="Individual session")
    page.get_by_label("Mode").select_option("telehealth")
    page.get_by_label("From").fill(day)
    page.get_by_label("To").fill(day)
    page.get_by_role("button", name="Search").click()
    first = page.get_by_role("link", name="Book").filter(has_text="09:00 with Sam Okafor")
    expect(first).to_be_visible()
    axe_check(page)
    first.click()

    # The booking form, pre-filled; find the client by typing (htmx type-ahead).
    expect(page.get_by_role("heading", name="Book a session")).to_be_visible()
    page.get_by_label("Find the client").fill("Jord")
    page.get_by_label("Jordan (Jo) Lee").check()
    page.get_by_label("Telehealth").check()
    page.get_by_label("Video link").fill("https://video.example.org/jordan")
    axe_check(page)
    screenshot(page, "booking-form")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_text("Session booked.")).to_be_visible()
    axe_check(page)
    booked = Appointment.objects.get(clinician=desk["clinician"])
    assert booked.status == Status.SCHEDULED and booked.mode == "telehealth"
    assert booked.starts_at.astimezone(ZoneInfo(TZ)).date() == desk["day"]

    # A weekly series from that day at 09:00 meets the session just booked; book the rest.
    page.goto("/series/new/")
    axe_check(page)
    page.get_by_label("Find the client").fill("Lee")
    page.get_by_label("Jordan (Jo) Lee").check()
    page.get_by_label("Clinician").select_option(label="Sam Okafor, LMFT")
    page.get_by_label("Type").select_option(label="Individual session")
    page.get_by_label("First session").fill(day)
    page.get_by_label("Start time").fill("09:00")
    page.get_by_role("spinbutton", name="Number of sessions").fill("4")
    page.get_by_label("Telehealth").check()
    page.get_by_label("Video link").fill("https://video.example.org/jordan")
    page.get_by_role("button", name="Check the dates").click()
    expect(page.get_by_role("heading", name="4 sessions up to the booking horizon: 1 conflict")).to_be_visible()
    expect(page.get_by_text("The clinician is already booked from")).to_be_visible()
    axe_check(page)
    assert not AppointmentSeries.objects.exists()  # the preview books nothing
    page.get_by_role("button", name="Book the rest (skip 1)").click()
    expect(page.get_by_text("Series booked: 3 sessions, 1 skipped")).to_be_visible()
    series = AppointmentSeries.objects.get()
    assert series.appointments.count() == 3
    assert SeriesSkippedOccurrence.objects.filter(series=series).count() == 1

    # The week view shows them; reschedule the single session to the next day at 11:00.
    page.goto(f"/calendar/?view=week&date={day}")
    expect(page.get_by_role("link").filter(has_text="Jo Lee")).to_have_count(1)
    axe_check(page)
    screenshot(page, "calendar-week")
    page.goto(f"/appointments/{booked.pk}/")
    axe_check(page)
    screenshot(page, "appointment")
    page.get_by_label("New date").fill((desk["day"] + timedelta(days=1)).isoformat())
    page.get_by_label("New start time").fill("11:00")
    page.get_by_role("button", name="Move the session").click()
    expect(page.get_by_text("Session moved.")).to_be_visible()
    booked.refresh_from_db()
    moved = booked.starts_at.astimezone(ZoneInfo(TZ))
    assert (moved.date(), moved.hour, moved.minute) == (desk["day"] + timedelta(days=1), 11, 0)

    # Cancel the series' second session, with a reason; the page said when a cancellation is late.
    second = series.appointments.order_by("starts_at")[1]
    page.goto(f"/appointments/{second.pk}/")
    expect(page.get_by_text("counts as late from")).to_be_visible()
    page.get_by_label("Reason for cancelling").fill("Clinician unwell")
    page.get_by_role("button", name="Cancel this session").click()
    expect(page.get_by_text("Session cancelled.")).to_be_visible()
    axe_check(page)
    second.refresh_from_db()
    assert second.status == Status.CANCELLED and second.cancellation_reason == "Clinician unwell"


def test_a_conflict_is_told_in_plain_words_on_the_form(page_for, desk):
    page = page_for(desk["member"], LAPTOP)
    day = desk["day"].isoformat()
    for _attempt in range(2):
        page.goto(
            f"/book/?clinician={desk['clinician'].pk}&appointment_type={desk['type'].pk}&day={day}&start_time=10:00"
        )
        page.get_by_label("Find the client").fill("Jordan")
        page.get_by_label("Jordan (Jo) Lee").check()
        page.get_by_label("Telehealth").check()
        page.get_by_label("Video link").fill("https://video.example.org/j")
        page.get_by_role("button", name="Book", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("is already booked from")
    expect(alert).to_contain_text("10:00")
    expect(alert).not_to_contain_text("UTC")
    axe_check(page)
    assert Appointment.objects.count() == 1


def test_booking_by_keyboard_alone(page_for, desk):
    page = page_for(desk["member"], LAPTOP)
    page.goto(
        f"/book/?clinician={desk['clinician'].pk}&appointment_type={desk['type'].pk}"
        f"&day={desk['day'].isoformat()}&start_time=13:00"
    )
    page.keyboard.press("Tab")  # the skip link first
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    search = page.get_by_label("Find the client")
    for _ in range(40):  # Tab from the main landmark to the client search
        if search.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(search).to_be_focused()
    page.keyboard.type("Patel")
    choice = page.get_by_label("Maya Patel")
    expect(choice).to_be_visible()
    page.keyboard.press("Tab")  # past the Find button to the first match
    page.keyboard.press("Tab")
    expect(choice).to_be_focused()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    telehealth = page.get_by_label("Telehealth")
    for _ in range(15):
        if telehealth.evaluate("el => el === document.activeElement") or page.get_by_label("In person").evaluate(
            "el => el === document.activeElement"
        ):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # radio group: In person -> Telehealth
    expect(telehealth).to_be_checked()
    page.keyboard.press("Tab")  # room
    page.keyboard.press("Tab")  # video link
    page.keyboard.type("https://video.example.org/maya")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_text("Session booked.")).to_be_visible()
    assert Appointment.objects.get().clients.get().last_name == "Patel"


@pytest.mark.parametrize("viewport", SIZES)
def test_front_desk_adds_a_client_and_assigns_an_intake_packet(page_for, desk, viewport):
    from intake.models import Packet
    from practice.models import Client
    from tests.factories.intake import seeded

    seeded(desk["client"].practice)
    page = page_for(desk["member"], viewport)
    page.goto("/clients/")
    axe_check(page)
    page.get_by_role("link", name="Add a client").click()
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    axe_check(page)
    page.get_by_label("First name").fill("Riley")
    page.get_by_label("Last name").fill("Nguyen")
    page.get_by_label("Preferred name").fill("Ri")
    page.get_by_label("Pronouns").fill("they/them")
    page.get_by_label("Email (optional)", exact=True).fill("riley@example.test")
    page.get_by_label("Agrees to email (reminders and forms)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Ri Nguyen added.")).to_be_visible()
    expect(page.get_by_text("they/them").first).to_be_visible()
    axe_check(page)
    client = Client.objects.get(last_name="Nguyen")
    assert client.email_consent and client.email_consent_source == "staff:desk@example.test"

    # The search finds them; their page assigns a packet and shows its status.
    page.goto("/clients/?q=nguy")
    page.get_by_role("link", name="Nguyen, Riley (Ri)").click()
    page.locator("input[name=forms]").first.check()
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Packet assigned and the link emailed.")).to_be_visible()
    expect(page.get_by_role("table", name="Forms sent to the client to fill in, newest first")).to_contain_text(
        "Sent, not started"
    )
    axe_check(page)
    screenshot(page, "client")
    packet = Packet.objects.get(client=client)
    assert packet.status == Packet.Status.SENT

    # Revoking the link (after the page asks to confirm) keeps the packet and says so.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke the link").click()
    expect(page.get_by_text("Links already sent no longer work.")).to_be_visible()
    axe_check(page)
    old_nonce = packet.link_nonce
    packet.refresh_from_db()
    assert packet.link_nonce != old_nonce
