"""`xrouter keys ...` round trips through typer's CliRunner against a real ledger (SQLite file, PostgreSQL)."""

from __future__ import annotations

import json
import uuid

import pytest
from typer.testing import CliRunner

from xrouter.cli import app
from xrouter.serve.ledger import Ledger

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/keys.db"
    server = request.getfixturevalue("postgres")
    return server.url(server.create_database(f"keys_{uuid.uuid4().hex[:12]}"))


def keys(*args: str, env: dict | None = None):
    return runner.invoke(app, ["keys", *args], env={"COLUMNS": "200", **(env or {})})


def test_create_list_spend_set_budget_disable(db_url):
    made = keys("create", "--name", "team a", "--budget", "5", "--period", "week", "--ledger", db_url, "--json")
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)
    assert (key["name"], key["budget_usd"], key["period"], key["disabled"]) == ("team a", 5.0, "week", False)
    led = Ledger.from_url(db_url)
    assert led.authenticate(key["secret"]).id == key["id"]  # the printed secret is the key's
    led.settle(led.reserve(key["id"], "r1", 1.0), {"model_id": "o1-mini", "cost": 1.25,
                                                   "tokens_used": {"prompt": 300, "completion": 20}})

    listed = json.loads(keys("list", "--ledger", db_url, "--json").stdout)
    assert [(k["id"], k["spent_usd"], k["remaining_usd"]) for k in listed] == [(key["id"], 1.25, 3.75)]
    table = keys("list", "--ledger", db_url)
    assert table.exit_code == 0 and key["id"] in table.stdout and "$3.750000" in table.stdout
    assert key["secret"] not in table.stdout

    spent = keys("spend", key["id"], "--ledger", db_url, "--json")
    assert [(r["model"], r["calls"], r["cost_usd"], r["input_tokens"]) for r in json.loads(spent.stdout)] == [
        ("o1-mini", 1, 1.25, 300)]
    text = keys("spend", "--ledger", db_url)
    assert "o1-mini" in text.stdout and "total: $1.250000 over 1 calls" in text.stdout

    changed = keys("set-budget", key["id"], "1", "--ledger", db_url)
    assert changed.exit_code == 0 and "budget $1.000000 per week, spent $1.250000" in changed.stdout
    assert led.remaining(key["id"]) == pytest.approx(-0.25)
    assert keys("set-budget", key["id"], "unlimited", "--ledger", db_url).exit_code == 0
    assert led.remaining(key["id"]) is None

    assert keys("disable", key["id"], "--ledger", db_url).exit_code == 0
    assert led.authenticate(key["secret"]) is None
    assert json.loads(keys("list", "--ledger", db_url, "--json").stdout)[0]["disabled"] is True


def test_ledger_url_from_env_then_default(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/env.db"
    assert keys("create", "--name", "e", env={"XROUTER_LEDGER_URL": url}).exit_code == 0
    assert [k.name for k in Ledger.from_url(url).list_keys()] == ["e"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XROUTER_LEDGER_URL", raising=False)
    made = keys("create", "--name", "d", "--budget", "unlimited")
    assert made.exit_code == 0, made.output
    assert "budget: unlimited per month" in made.stdout
    assert [k.name for k in Ledger.from_url(f"sqlite:///{tmp_path}/.xrouter/ledger.db").list_keys()] == ["d"]


@pytest.mark.parametrize(("args", "message"), [
    (["create", "--name", "x", "--budget", "-1"], "budget_usd must be a finite number"),
    (["create", "--name", "x", "--budget", "nan"], "budget_usd must be a finite number"),
    (["create", "--name", "x", "--budget", "lots"], "budget must be a number of USD"),
    (["create", "--name", "x", "--period", "year"], "period must be one of day, week, month, never"),
    (["disable", "key_missing"], "unknown key id 'key_missing'"),
    (["set-budget", "key_missing", "3"], "unknown key id 'key_missing'"),
    (["spend", "key_missing"], "unknown key id 'key_missing'"),
])
def test_bad_input_is_a_clear_error(tmp_path, args, message):
    result = keys(*args, "--ledger", f"sqlite:///{tmp_path}/bad.db")
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_bad_ledger_url_is_named():
    result = keys("list", "--ledger", "mysql://u@localhost/db")
    assert result.exit_code == 2 and "mysql://u@localhost/db" in result.output
