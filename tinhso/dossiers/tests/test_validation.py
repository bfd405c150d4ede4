"""Form validation keeps one compiled validator per schema object, and never answers with another's."""

from tinhso.dossiers.validation import form_errors

SHORT = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}}}
LONG = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}}}


def test_each_schema_is_checked_by_its_own_validator_when_validators_are_kept():
    data = {"name": "Cà Mau"}
    assert form_errors(SHORT, data) == {"name": ["Không quá 3 ký tự."]}
    assert form_errors(LONG, data) == {}
    assert form_errors(SHORT, data) == {"name": ["Không quá 3 ký tự."]}
    narrower = {**LONG, "properties": {"name": {"type": "string", "maxLength": 2}}}
    assert form_errors(narrower, data) == {"name": ["Không quá 2 ký tự."]}
