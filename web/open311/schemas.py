"""The Open311 parameters, typed (form or query fields; unknown ones such as ``attribute[...]`` and
``api_key`` are read elsewhere)."""
from __future__ import annotations

from datetime import datetime

from marshmallow import EXCLUDE, ValidationError, fields, pre_load, validate

from ..schemas import In

PHONE = r"^\+?[0-9 ()-]{6,20}$"


class Moment(fields.Field):
    """A w3c date and time with its zone (``2026-11-01T00:00:00+07:00`` or ``...Z``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("Not a w3c date and time, e.g. 2026-11-01T00:00:00+07:00.") from None
        if moment.tzinfo is None:
            raise ValidationError("The date and time needs its zone, e.g. +07:00 or Z.")
        return moment


class CommaList(fields.Field):
    """``a,b,c`` as a tuple of non-empty parts."""

    def __init__(self, choices: tuple[str, ...] | None = None, max_part: int = 60, **kwargs):
        super().__init__(**kwargs)
        self.choices, self.max_part = choices, max_part

    def _deserialize(self, value, attr, data, **kwargs):
        parts = tuple(p.strip() for p in str(value).split(",") if p.strip())
        if any(len(p) > self.max_part for p in parts):
            raise ValidationError(f"Longer than maximum length {self.max_part}.")
        if self.choices and any(p not in self.choices for p in parts):
            raise ValidationError(f"Must be one of: {', '.join(self.choices)}.")
        return parts


class RequestsQuery(In):
    class Meta:
        unknown = EXCLUDE

    service_request_id = CommaList(load_default=(), max_part=40)
    service_code = CommaList(load_default=())
    start_date = Moment(load_default=None)
    end_date = Moment(load_default=None)
    status = CommaList(choices=("open", "closed"), load_default=())


class FilingIn(In):
    class Meta:
        unknown = EXCLUDE

    service_code = fields.String(required=True, validate=validate.Length(1, 60))
    description = fields.String(required=True, validate=validate.Length(10, 4000))
    lat = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(-90, 90))
    long = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(-180, 180))
    address_string = fields.String(load_default=None, validate=validate.Length(max=300))
    address_id = fields.String(load_default=None, validate=validate.Length(max=100))
    email = fields.Email(load_default=None, validate=validate.Length(max=200))
    phone = fields.String(load_default=None, validate=validate.Regexp(PHONE))
    first_name = fields.String(load_default=None, validate=validate.Length(max=100))
    last_name = fields.String(load_default=None, validate=validate.Length(max=100))
    device_id = fields.String(load_default=None, validate=validate.Length(max=100))
    account_id = fields.String(load_default=None, validate=validate.Length(max=100))
    media_url = fields.Url(load_default=None, schemes={"http", "https"}, validate=validate.Length(max=500))

    @pre_load
    def _blank_is_missing(self, data, **_kwargs):
        """A form sends every field, empty ones as "": those count as not given."""
        items = data.items() if hasattr(data, "items") else []
        return {k: v for k, v in items if not (isinstance(v, str) and not v.strip())}
