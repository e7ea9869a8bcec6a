"""Checks of callback inputs. They come from the browser, so from anyone: a value of the wrong type
is a 400 with a message (routes.py renders it), never a 500. Every refusal of a plain route is
one line of text (`plain`)."""
from __future__ import annotations

from flask import Response
from werkzeug.exceptions import BadRequest


def plain(text: str, status: int) -> Response:
    """One line of plain text with its status: how the routes answer what they refuse."""
    return Response(text + "\n", status=status, mimetype="text/plain")

def text(value, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{what} must be text")
    return value


def texts(values, what: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRequest(f"{what} must be a list of text")
    return values


def mapping(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be an object")
    return value


def count(value, what: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise BadRequest(f"{what} must be a number")
    return int(value)

