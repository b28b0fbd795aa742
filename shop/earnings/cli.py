"""flask --app app ledger check [--json]; flask --app app earnings release"""
import json
import sys

import click


@click.group("ledger", help="The earnings ledger.")
def ledger_cli():
    pass


@ledger_cli.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as one JSON object.")
def check_command(as_json):
    """Verify every ledger invariant; exit 1 naming the offending rows when one fails."""
    from .ledger import check_ledger, ledger_counts

    findings = check_ledger()
    counts = ledger_counts()
    if as_json:
        click.echo(json.dumps({"ok": not findings, **counts, "findings": [f.as_dict() for f in findings]}))
    else:
        for finding in findings:
            click.echo(str(finding), err=True)
        verdict = "ledger ok" if not findings else f"ledger broken: {len(findings)} findings"
        click.echo(
            f"{verdict}: {counts['transactions']} transactions, {counts['entries']} entries, "
            f"{counts['paid_orders']} paid orders checked"
        )
    if findings:
        sys.exit(1)


@click.group("earnings", help="The earnings life cycle.")
def earnings_cli():
    pass


@earnings_cli.command("release")
@click.option("--at", "at", default=None, help="Release as if it were this ISO time (UTC); default now.")
def release_command(at):
    """Make available the earnings of every parcel whose hold is over."""
    from datetime import datetime

    from .tasks import release_now

    released = release_now(datetime.fromisoformat(at) if at else None)
    click.echo(f"released {len(released)} parcels")
