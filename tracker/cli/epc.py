"""``tracker epc``: encode and decode the GIAI EPCs written to carrier tags."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer

from tracker.domain import epc as epc_codec

logger = logging.getLogger(__name__)

app = typer.Typer(help="Encode / decode GS1 GIAI-96 and GIAI-202 EPCs.", no_args_is_help=True)


def _describe(g: epc_codec.Giai) -> dict[str, object]:
    return {
        "hex": g.hex(),
        "tag_uri": g.tag_uri,
        "id_uri": g.id_uri,
        "scheme": g.scheme.value,
        "filter": g.filter,
        "company_prefix": g.company_prefix,
        "asset_reference": g.asset_reference,
    }


@app.command()
def encode(
    prefix: Annotated[str, typer.Option("--prefix", help="GS1 company prefix, 6-12 digits")],
    ref: Annotated[str, typer.Option("--ref", help="individual asset reference")],
    filter_value: Annotated[int, typer.Option("--filter", help="filter value 0-7")] = 0,
    scheme: Annotated[str, typer.Option(help="giai-96 or giai-202")] = "giai-96",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the upper-case hex of the EPC for PREFIX and REF."""
    g = epc_codec.encode(prefix, ref, filter=filter_value, scheme=scheme)
    typer.echo(json.dumps(_describe(g), ensure_ascii=False) if as_json else g.hex())


@app.command()
def decode(
    hex_text: Annotated[str, typer.Argument(metavar="HEX", help="EPC bank contents in hex")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the tag URI and the pure-identity URI of an EPC."""
    g = epc_codec.decode(hex_text)
    if as_json:
        typer.echo(json.dumps(_describe(g), ensure_ascii=False))
    else:
        typer.echo(g.tag_uri)
        typer.echo(g.id_uri)
