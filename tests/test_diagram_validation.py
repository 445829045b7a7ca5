"""A diagram is refused at deploy with every problem at its element, never accepted to fail a
complaint at run time (the designer's validation, server side, the same over the API)."""
from __future__ import annotations

import re

import pytest

from tests.helpers import Api
from workflows.db import transaction
from workflows.errors import Invalid
from workflows.processes.registry import NATIONAL_SOP, bundled_dir
from workflows.processes.validation import problems

SOP = (bundled_dir() / "sop_nasional.bpmn").read_text(encoding="utf-8")


def _codes(xml: str, live: str | None = None) -> set[tuple[str | None, str]]:
    return {(p.element, p.code) for p in problems(xml, NATIONAL_SOP, live)}


def test_the_bundled_sop_is_valid():
    assert problems(SOP, NATIONAL_SOP) == []


@pytest.mark.parametrize("change, expected", [
    # Camunda Modeler writes JUEL: refused with the Python to write instead
    (('action == "dispatch"', '${action == "dispatch"}'), ("flow_action_dispatch", "juel_expression")),
    # a script that imports a module
    (('instansi_id = target_instansi_id\nunit_id', 'import os\ninstansi_id = target_instansi_id\nunit_id'),
         ("transfer", "script_invalid")),
    # a condition that reaches for the interpreter's internals
    (('action == "archive"', '().__class__ == action'), ("flow_action_archive", "expression_invalid")),
    # an officer's task without a time limit
    (('attachedToRef="follow_up"', 'attachedToRef="reporter_info"'), ("follow_up", "no_time_limit")),
    # a status LAPOR! does not publish
    (('value="dipending"', 'value="ditunda_dulu"'), ("reporter_info", "unknown_status")),
    # a timer for a step without a limit
    (('sla_due("verify")', 'sla_due("verifikasi")'), ("triage_deadline", "unknown_step")),
    # a form condition naming a field that is not in the form
    (('value="action:dispatch"', 'value="aksi:dispatch"'), ("verify", "required_if_field")),
    # a choice the other field cannot take
    (('value="action:transfer"', 'value="action:pindah"'), ("verify", "required_if_value")),
    # a field shown only for an answer: the same checks
    (('id="shown_if" value="action:dispatch"', 'id="shown_if" value="aksi:dispatch"'), ("verify", "shown_if_field")),
    (('id="shown_if" value="action:dispatch"', 'id="shown_if" value="action:kirim"'), ("verify", "shown_if_value")),
    # an unknown field type
    (('id="follow_up_text" label="Tindak lanjut" type="string"', 'id="follow_up_text" label="Tindak lanjut" type="rich"'),
     ("follow_up", "field_type")),
])
def test_each_problem_is_named_at_its_element(change, expected):
    broken = SOP.replace(*change, 1)
    assert broken != SOP
    assert expected in _codes(broken)


def test_a_task_nobody_can_reach_and_a_dead_end_are_named():
    unreachable = SOP.replace('<bpmn:sequenceFlow id="flow_action_defer" name="Tunda" sourceRef="gw_action" '
                              'targetRef="reporter_info">', '<bpmn:sequenceFlow id="flow_action_defer" name="Tunda" '
                              'sourceRef="gw_action" targetRef="gw_verify_merge">', 1)
    assert unreachable != SOP
    assert ("reporter_info", "unreachable") in _codes(unreachable)


def test_a_task_without_a_role_and_malformed_xml():
    roleless = SOP.replace('camunda:candidateGroups="admin_instansi"', "").replace(
        'name="Admin Instansi"', 'name="Bagian Umum"')
    assert ("verify", "unknown_role") in _codes(roleless)
    assert {code for _e, code in _codes("<bpmn:definitions")} == {"invalid_diagram"}


def test_deploy_refuses_all_problems_at_once_and_keeps_the_live_version(services, world):
    broken = SOP.replace('action == "dispatch"', '${action == "dispatch"}').replace(
        'value="dipending"', 'value="ditunda_dulu"')
    with transaction(services.sessions) as db:
        with pytest.raises(Invalid) as caught:
            services.registry.deploy(db, NATIONAL_SOP, broken)
        assert {(p.element, p.code) for p in caught.value.problems} == {
            ("flow_action_dispatch", "juel_expression"), ("reporter_info", "unknown_status")}
        assert set(caught.value.fields) == {"bpmn"} and len(caught.value.fields["bpmn"]) == 2
        assert services.registry.active(db, NATIONAL_SOP).version == 1


def test_the_api_validates_a_diagram_the_same_way(client, world):
    api = Api(client, world)
    r = client.post(f"/api/processes/{NATIONAL_SOP}/validate", data=SOP, content_type="application/xml",
                    headers=api.auth("nasional"))
    assert r.status_code == 200 and r.json == {"valid": True, "problems": []}
    broken = SOP.replace('action == "dispatch"', '${action == "dispatch"}', 1)
    r = client.post(f"/api/processes/{NATIONAL_SOP}/validate?lang=en", data=broken, content_type="application/xml",
                    headers=api.auth("nasional"))
    assert r.status_code == 200 and r.json["valid"] is False
    [problem] = r.json["problems"]
    assert problem["element"] == "flow_action_dispatch" and problem["code"] == "juel_expression"
    assert 'action == "dispatch"' in problem["message"] and "Python" in problem["message"]
    r = client.post(f"/api/processes/{NATIONAL_SOP}/validate?lang=id", data=broken, content_type="application/xml",
                    headers=api.auth("nasional"))
    assert "Python" in r.json["problems"][0]["message"] and "tuliskan" in r.json["problems"][0]["message"]
    stranger = client.application.test_client()  # no token, no session
    assert stranger.post(f"/api/processes/{NATIONAL_SOP}/validate", data=SOP,
                         content_type="application/xml").status_code == 401
    r = client.post(f"/api/processes/{NATIONAL_SOP}/validate", data="x" * 3_000_000, content_type="application/xml",
                    headers=api.auth("nasional"))
    assert r.status_code == 413


def test_a_new_version_keeps_what_the_domain_and_the_live_version_read():
    # the verification form without its unit choice: nobody could route to a unit any more
    no_unit = re.sub(r'<camunda:formField id="unit_id".*?</camunda:formField>', "", SOP, count=1, flags=re.DOTALL)
    assert no_unit != SOP
    codes = _codes(no_unit)
    assert ("follow_up", "no_unit_choice") in codes
    # against the live version: the verification form's action dropped, retyped, a choice removed
    no_action = re.sub(r'<camunda:formField id="action".*?</camunda:formField>', "", SOP, count=1, flags=re.DOTALL)
    assert ("verify", "field_removed") in {(e, c) for e, c in _codes(no_action, live=SOP)}
    assert ("verify", "field_removed") not in {(e, c) for e, c in _codes(no_action)}  # a first version
    retyped = SOP.replace('id="follow_up_text" label="Tindak lanjut" type="string"',
                          'id="follow_up_text" label="Tindak lanjut" type="long"', 1)
    assert ("follow_up", "field_retyped") in _codes(retyped, live=SOP)
    fewer = re.sub(r'<camunda:value id="archive"[^>]*/>', "", SOP, count=1)
    assert fewer != SOP
    assert ("verify", "values_removed") in _codes(fewer, live=SOP)
    assert _codes(SOP, live=SOP) == set()


def test_deploying_a_version_that_drops_the_verification_action_is_refused(services, world):
    no_action = re.sub(r'<camunda:formField id="action".*?</camunda:formField>', "", SOP, count=1, flags=re.DOTALL)
    with transaction(services.sessions) as db:
        with pytest.raises(Invalid) as caught:
            services.registry.deploy(db, NATIONAL_SOP, no_action)
        assert ("verify", "field_removed") in {(p.element, p.code) for p in caught.value.problems}


def test_a_condition_on_an_answer_no_form_asks_is_named():
    # as after deleting the verification step: the gateway still tests `action`, nothing sets it
    no_action = SOP.replace('<camunda:formField id="action"', '<camunda:formField id="tindakan"', 1)
    codes = _codes(no_action)
    assert {("flow_action_dispatch", "unset_variable"), ("flow_action_archive", "unset_variable")} <= codes
    [problem] = [p for p in problems(no_action, NATIONAL_SOP) if p.element == "flow_action_dispatch"
                 and p.code == "unset_variable"]
    assert problem.params["names"] == ["action"]
    # names a script sets, helpers and the start data are known
    assert not any(code == "unset_variable" for _e, code in _codes(SOP))


def test_a_field_asked_only_for_some_answers_carries_its_condition(client, world):
    """The verification's follow-up category (tier) is asked only when dispatching: the form says so and
    the task page hides it otherwise (tests/browser/test_accessibility.py)."""
    api = Api(client, world)
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    form = client.get(f"/api/tasks/{verify['id']}", headers=api.auth("admin_a")).json["form"]
    fields = {f["id"]: f for f in form["fields"]}
    assert fields["tier"]["shown_if"] == {"field": "action", "values": ["dispatch"]}
    assert "shown_if" not in fields["note"]
