"""Practice settings have a schema, and PATCH merges keys (issue #12, item 10)."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db


def _patch(world, settings):
    return world.client_for("admin").patch("/api/v1/practice/", {"settings": settings}, format="json")


@pytest.mark.parametrize("value", [True, "x", 1, [], None])
def test_settings_that_are_not_an_object_are_a_400_and_requests_keep_working(world, value):
    response = _patch(world, value)
    assert response.status_code == 400
    assert "settings" in response.json()["error"]["fields"]
    assert world.client_for("front_desk").get("/api/v1/clients/").status_code == 200
    assert _patch(world, {"slot_step_minutes": 30}).status_code == 200


@pytest.mark.parametrize(
    "change, key",
    [
        ({"slot_step_minutes": 0}, "slot_step_minutes"),
        ({"series_horizon_days": 1_000_000_000}, "series_horizon_days"),
        ({"client_cancel_cutoff_hours": "2"}, "client_cancel_cutoff_hours"),
        ({"mfa_required": 0}, "mfa_required"),
        ({"slot_step_minutes": 15.5}, "slot_step_minutes"),
        ({"token_idle_minutes": True}, "token_idle_minutes"),
        ({"no_such_setting": 1}, "no_such_setting"),
        ({"intake": {"alliance_cutoff": 99}}, "intake.alliance_cutoff"),
        ({"intake": {"other": 1}}, "intake.other"),
        ({"intake": 5}, "intake"),
    ],
)
def test_a_setting_of_the_wrong_type_or_range_is_a_400_naming_the_key(world, change, key):
    before = dict(world.p.practice.settings)
    response = _patch(world, change)
    assert response.status_code == 400
    assert f"settings.{key}" in response.json()["error"]["fields"]
    world.p.practice.refresh_from_db()
    assert world.p.practice.settings == before


def test_patch_merges_keys_and_leaving_out_mfa_required_keeps_it(world):
    from practice.settings_schema import practice_group_setting, practice_setting

    assert _patch(world, {"mfa_required": False}).status_code == 200
    response = _patch(world, {"slot_step_minutes": 30, "intake": {"alliance_cutoff": 30}})
    assert response.status_code == 200
    assert response.json()["settings"] == {
        "mfa_required": False,
        "slot_step_minutes": 30,
        "intake": {"alliance_cutoff": 30},
    }
    world.p.practice.refresh_from_db()
    assert practice_setting(world.p.practice, "mfa_required") is False
    assert practice_group_setting(world.p.practice, "intake", "alliance_cutoff") == 30


def test_null_puts_a_key_back_to_its_default(world):
    from practice.settings_schema import SETTINGS, practice_setting

    _patch(world, {"slot_step_minutes": 30, "mfa_required": False})
    response = _patch(world, {"slot_step_minutes": None})
    assert response.status_code == 200
    assert response.json()["settings"] == {"mfa_required": False}
    world.p.practice.refresh_from_db()
    assert practice_setting(world.p.practice, "slot_step_minutes") == SETTINGS["slot_step_minutes"].default


@pytest.mark.parametrize("stored", [True, "x", [1], {"slot_step_minutes": 0, "mfa_required": "no", "intake": 3}])
def test_settings_stored_before_the_schema_read_as_defaults_and_break_no_request(world, stored):
    from practice.settings_schema import practice_group_setting, practice_setting

    practice = world.p.practice
    practice.settings = stored
    practice.save(update_fields=["settings"])
    assert practice_setting(practice, "slot_step_minutes") == 15
    assert practice_setting(practice, "mfa_required") is True
    assert practice_group_setting(practice, "intake", "alliance_cutoff") == 36
    # mfa_required reads as its default (on): staff whose log-in gave no second factor get the documented 403
    for response in (
        world.client_for("front_desk").get("/api/v1/clients/"),
        world.client_for("admin").get("/api/v1/practice/"),
        _patch(world, {"slot_step_minutes": 30}),
    ):
        assert response.status_code == 403, response.status_code
        assert response.json()["error"]["code"] == "mfa_required"
    assert world.client_for("client").get("/api/v1/practice/").status_code == 200


def test_every_setting_is_documented_in_docs_api_md():
    from practice.settings_schema import GROUPS, SETTINGS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    keys = [*SETTINGS, *(f"{group}.{key}" for group, members in GROUPS.items() for key in members)]
    assert [key for key in keys if f"`{key}`" not in doc] == []
