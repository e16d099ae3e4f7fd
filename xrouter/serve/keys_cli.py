"""`xrouter keys ...`: API keys and their budgets in the cost ledger (create, list, disable, set-budget, spend).

The ledger URL comes from `--ledger`, else the environment variable XROUTER_LEDGER_URL, else
sqlite:///.xrouter/ledger.db (relative to the current folder).
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xrouter.serve.ledger_url import DEFAULT_LEDGER_URL, LEDGER_URL_ENV, PERIODS, ledger_url

keys_app = typer.Typer(help="API keys with budgets in the cost ledger.", no_args_is_help=True)
err = Console(stderr=True)

LedgerOpt = typer.Option(None, "--ledger", help=f"Ledger URL (default: ${LEDGER_URL_ENV} or {DEFAULT_LEDGER_URL}).")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _open(url: str | None):  # -> Ledger
    from xrouter.serve.ledger import Ledger  # imported here: SQLAlchemy stays out of `xrouter --help`

    try:
        return Ledger.from_url(ledger_url(url))
    except ValueError as e:
        _fail(e)


def _fail(e: Exception) -> None:
    err.print(f"[red]error:[/red] {escape(str(e.args[0] if isinstance(e, KeyError) else e))}", soft_wrap=True,
              highlight=False)
    raise typer.Exit(2) from e


def _budget(text: str | None) -> float | None:
    """A budget option: a number of USD, or none/unlimited."""
    if text is None or text.strip().lower() in ("none", "unlimited"):
        return None
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"budget must be a number of USD or 'unlimited' (got {text!r})") from None


def _usd(v: float | None) -> str:
    return "unlimited" if v is None else f"${v:.6f}"


@keys_app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="Who or what the key is for."),
    budget: str | None = typer.Option(None, "--budget", help="USD per period; omit (or 'unlimited') for none."),
    period: str = typer.Option("month", "--period", help=f"Budget period in UTC: {' | '.join(PERIODS)}."),
    ledger: str | None = LedgerOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Create a key; its secret is printed once (only a hash is stored)."""
    led = _open(ledger)
    try:
        key, secret = led.create_key(name, _budget(budget), period)
    except ValueError as e:
        _fail(e)
    if as_json:
        print(json.dumps({**_key_json(key), "secret": secret}))
        return
    print(f"id:     {key.id}\nname:   {key.name}\nbudget: {_usd(key.budget_usd)} per {key.period}\n"
          f"secret: {secret}")
    err.print("Store the secret now: it is not shown again (clients send it as `Authorization: Bearer <secret>`).")


@keys_app.command("list")
def list_keys(ledger: str | None = LedgerOpt, as_json: bool = JsonOpt) -> None:
    """Every key with its budget, spend this period and what is left."""
    led = _open(ledger)
    rows = [{**_key_json(k), "spent_usd": led.key_spend(k.id), "remaining_usd": led.remaining(k.id)}
            for k in led.list_keys()]
    if as_json:
        print(json.dumps(rows))
        return
    table = Table("id", "name", "budget", "period", "spent", "remaining", "disabled")
    for r in rows:
        table.add_row(r["id"], r["name"], _usd(r["budget_usd"]), r["period"], _usd(r["spent_usd"]),
                      _usd(r["remaining_usd"]), "yes" if r["disabled"] else "")
    Console(width=160).print(table)


@keys_app.command("disable")
def disable(key_id: str = typer.Argument(..., help="The key's id (key_...)."), ledger: str | None = LedgerOpt) -> None:
    """Refuse a key from now on (its spend rows stay)."""
    led = _open(ledger)
    try:
        led.disable_key(key_id)
    except KeyError as e:
        _fail(e)
    print(f"disabled {key_id}")


@keys_app.command("set-budget")
def set_budget(
    key_id: str = typer.Argument(..., help="The key's id (key_...)."),
    amount: str = typer.Argument(..., help="USD per period, or 'unlimited'."),
    period: str | None = typer.Option(None, "--period", help=f"New period: {' | '.join(PERIODS)}."),
    ledger: str | None = LedgerOpt,
) -> None:
    """Change a key's budget (and period)."""
    led = _open(ledger)
    try:
        key = led.set_budget(key_id, _budget(amount), period)
    except (KeyError, ValueError) as e:
        _fail(e)
    print(f"{key.id}: budget {_usd(key.budget_usd)} per {key.period}, spent {_usd(led.key_spend(key.id))}")


@keys_app.command("spend")
def spend(
    key_id: str | None = typer.Argument(None, help="Only this key (default: every key)."),
    ledger: str | None = LedgerOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Spend per key, model and UTC day."""
    led = _open(ledger)
    if key_id is not None:
        try:
            led.get_key(key_id)
        except KeyError as e:
            _fail(e)
    rows = led.spend(key_id)
    if as_json:
        print(json.dumps(rows))
        return
    table = Table("day", "key", "model", "calls", "failed", "input tok", "output tok", "cost")
    for r in rows:
        table.add_row(r["day"], r["key_id"] or "-", r["model"] or "-", str(r["calls"]), str(r["errors"]),
                      str(r["input_tokens"]), str(r["output_tokens"]), f"${r['cost_usd']:.6f}")
    Console(width=160).print(table)
    print(f"total: ${sum(r['cost_usd'] for r in rows):.6f} over {sum(r['calls'] for r in rows)} calls")


def _key_json(k) -> dict:
    return {"id": k.id, "name": k.name, "budget_usd": k.budget_usd, "period": k.period, "disabled": k.disabled}
