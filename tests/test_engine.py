"""The engine adapter: sandboxed diagrams, spec-free state, forms from the diagram, live timers."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine import serializer
from engine.forms import FormInvalid, validate
from engine.parser import DiagramError
from engine.runtime import Engine
from engine.sandbox import task_data_helper
from tests.helpers import Api
from workflows.db import transaction
from workflows.errors import Invalid
from workflows.processes.models import ProcessInstance
from workflows.processes.registry import NATIONAL_SOP, bundled_dir
from workflows.tasks.models import HumanTask

SOP = (bundled_dir() / "sop_nasional.bpmn").read_text(encoding="utf-8")


@task_data_helper
def _far_future(data, step):
    return "2999-01-01T00:00:00+00:00"


FUNCTIONS = {"sla_due": _far_future}

ESCAPES = [
    "__import__('os').system('true') == 0",
    "open('/etc/passwd').read() != ''",
    "().__class__.__base__.__subclasses__() != []",
]


# What the sandbox refuses when it compiles is refused at deploy, naming the flow; what only fails when
# it runs (a name the sandbox does not offer) deploys and fails the step with the instance untouched.
REFUSED_AT_DEPLOY = {ESCAPES[0], ESCAPES[2]}


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_diagram_cannot_escape_the_sandbox(services, world, client, escape):
    """A malicious gateway condition is refused at deploy, or fails with a clear error at run time and
    leaves the instance as it was."""
    api = Api(client, world)
    evil = SOP.replace('action == "dispatch"', f"{escape} or action == \"dispatch\"")
    assert evil != SOP
    if escape in REFUSED_AT_DEPLOY:
        with transaction(services.sessions) as db:
            with pytest.raises(Invalid) as caught:
                services.registry.deploy(db, NATIONAL_SOP, evil)
        assert [(p.element, p.code) for p in caught.value.problems] == [("flow_action_dispatch", "expression_invalid")]
        return
    with transaction(services.sessions) as db:
        assert services.registry.deploy(db, NATIONAL_SOP, evil).version == 2
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    with transaction(services.sessions) as db:
        before = db.scalars(select(ProcessInstance)).one()
        state, version = before.state, before.lock_version

    r = api.complete("admin_a", verify["id"], {"action": "dispatch", "unit_id": world.unit_a1})
    assert r.status_code == 422
    assert r.json["error"] == "process_error" and "not allowed" in r.json["message"]

    with transaction(services.sessions) as db:
        after = db.scalars(select(ProcessInstance)).one()
        assert (after.state, after.lock_version) == (state, version)
        assert db.get(HumanTask, verify["id"]).state == "open"
    assert api.track(tid).json["status"] == "belum_diproses"
    # the other branches still work: the instance is unharmed
    r = api.complete("admin_a", verify["id"], {"action": "archive", "note": "uji"})
    assert r.status_code == 200, r.json


def test_deploy_refuses_broken_diagrams_and_versions_real_changes(services, world):
    with transaction(services.sessions) as db:
        with pytest.raises(Invalid):
            services.registry.deploy(db, NATIONAL_SOP, "<bpmn:definitions")
        with pytest.raises(Invalid):
            services.registry.deploy(db, NATIONAL_SOP, SOP.replace('targetRef="verify"', 'targetRef="nowhere"'))
        roleless = SOP.replace('camunda:candidateGroups="admin_instansi"', "").replace(
            'name="Admin Instansi"', 'name="Bagian Umum"')
        with pytest.raises(Invalid) as caught:
            services.registry.deploy(db, NATIONAL_SOP, roleless)
        assert "verify" in caught.value.message and "role" in caught.value.message
        same = services.registry.deploy(db, NATIONAL_SOP, SOP)
        assert same.version == 1
        changed = services.registry.deploy(db, NATIONAL_SOP, SOP.replace("Verifikasi laporan", "Verifikasi"))
        assert changed.version == 2
        assert services.registry.active(db, NATIONAL_SOP).id == changed.id


def test_state_is_stored_without_the_spec_and_round_trips():
    engine = Engine(functions=FUNCTIONS)
    loaded = engine.spec("k", SOP, NATIONAL_SOP)
    assert engine.spec("k", SOP, NATIONAL_SOP) is loaded  # parsed once
    workflow, _ = engine.start(loaded, {"instansi_id": 1, "unit_id": None})
    state = engine.dump(workflow)
    assert '"task_specs"' not in state and "Verifikasi laporan" not in state
    restored = engine.load(loaded, state)
    [verify] = engine.ready_tasks(restored)
    assert verify.name == "verify" and verify.candidate_groups == ("admin_instansi",)
    assert verify.due_at == datetime(2999, 1, 1, tzinfo=timezone.utc)
    cleaned, result = engine.complete(restored, verify.id, {"action": "archive", "note": "ganda"})
    assert cleaned["action"] == "archive" and engine.is_completed(restored)
    assert engine.final_properties(restored)["status"] == "diarsipkan"
    assert serializer.loads(engine.dump(restored), loaded.spec, loaded.subprocess_specs,
                            engine.script_engine).is_completed()


def test_form_validation_follows_the_diagram():
    engine = Engine(functions=FUNCTIONS)
    loaded = engine.spec("k", SOP, NATIONAL_SOP)
    workflow, _ = engine.start(loaded, {"instansi_id": 1})
    form = engine.ready_tasks(workflow)[0].form
    assert validate(form, {"action": "dispatch", "unit_id": "7"})["unit_id"] == 7
    assert validate(form, {"action": "dispatch", "unit_id": 7})["tier"] == "normatif"  # default from BPMN
    with pytest.raises(FormInvalid) as caught:
        validate(form, {"action": "defer"})
    assert [e.code for e in caught.value.errors["note"]] == ["required_when"]
    with pytest.raises(FormInvalid) as caught:
        validate(form, {"action": "dispatch", "unit_id": True})
    assert [e.code for e in caught.value.errors["unit_id"]] == ["not_an_integer"]
    with pytest.raises(FormInvalid):
        validate(form, ["not", "a", "dict"])


def test_parse_errors_are_readable():
    with pytest.raises(DiagramError) as caught:
        Engine().spec("x", "<definitions/>", "nope")
    assert str(caught.value)


def test_a_diagram_script_that_never_ends_is_stopped_and_the_instance_is_untouched(services, world, client):
    """It compiles, so it deploys; when it runs, the watchdog stops it: 422, the complaint as it was."""
    api = Api(client, world)
    looping = SOP.replace("instansi_id = target_instansi_id", "while True:\n    pass\ninstansi_id = target_instansi_id")
    assert looping != SOP
    with transaction(services.sessions) as db:
        assert services.registry.deploy(db, NATIONAL_SOP, looping).version == 2
    tid = api.submit()["tracking_id"]
    verify = api.task_for("admin_a", tid)
    with transaction(services.sessions) as db:
        state = db.scalars(select(ProcessInstance)).one().state
    r = api.complete("admin_a", verify["id"], {"action": "transfer", "target_instansi_id": world.inst_b,
                                                "note": "Bukan wewenang kami."})
    assert r.status_code == 422 and r.json["error"] == "process_error"
    assert "longer than" in r.json["message"]
    with transaction(services.sessions) as db:
        assert db.scalars(select(ProcessInstance)).one().state == state
        assert db.get(HumanTask, verify["id"]).state == "open"
