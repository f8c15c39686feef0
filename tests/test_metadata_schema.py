"""nbgrader's metadata checks with one cached validator: same verdicts, the schema checked once."""
import jsonschema
import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, ValidationError

from mlprereq.grading import metadata_schema


def _cells(n: int):
    nb = nbformat.v4.new_notebook()
    for i in range(n):
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"c{i}", "locked": False, "points": 1,
                                     "schema_version": 3, "solution": False}
        nb.cells.append(cell)
    return nb


@pytest.fixture
def schema_checks(monkeypatch):
    """Counts how often a schema is checked against the meta-schema."""
    validator = MetadataValidator()
    kind = jsonschema.validators.validator_for(validator.schema)
    calls = []
    original = kind.check_schema.__func__
    monkeypatch.setattr(kind, "check_schema", classmethod(lambda cls, s, *a, **k: calls.append(1) or original(cls, s, *a, **k)))
    monkeypatch.setattr(metadata_schema, "_VALIDATORS", {})
    return calls


def test_the_schema_is_checked_once_for_many_cells(schema_checks, monkeypatch):
    from nbgrader.nbgraderformat import common

    monkeypatch.setattr(common, "jsonschema", jsonschema)
    MetadataValidator().validate_nb(_cells(30))
    assert len(schema_checks) == 30  # nbgrader alone: once per cell
    schema_checks.clear()
    metadata_schema.cache_metadata_validator()
    metadata_schema.cache_metadata_validator()  # idempotent
    MetadataValidator().validate_nb(_cells(30))
    MetadataValidator().validate_nb(_cells(30))  # a new validator instance, the same schema
    assert len(schema_checks) == 1


@pytest.mark.parametrize("change", [
    {"points": "three"},        # wrong type
    {"grade_id": 7},            # wrong type
    {"grade": None},            # not a boolean
])
def test_bad_metadata_fails_exactly_as_before(change, monkeypatch):
    from nbgrader.nbgraderformat import common

    nb = _cells(3)
    nb.cells[1].metadata["nbgrader"].update(change)
    monkeypatch.setattr(common, "jsonschema", jsonschema)
    with pytest.raises(ValidationError) as plain:
        MetadataValidator().validate_nb(nb)
    metadata_schema.cache_metadata_validator()
    with pytest.raises(ValidationError) as cached:
        MetadataValidator().validate_nb(nb)
    assert (cached.value.message, list(cached.value.path)) == (plain.value.message, list(plain.value.path))


def test_other_jsonschema_uses_are_untouched(monkeypatch):
    from nbgrader.nbgraderformat import common

    monkeypatch.setattr(common, "jsonschema", jsonschema)
    metadata_schema.cache_metadata_validator()
    assert common.jsonschema.ValidationError is jsonschema.ValidationError
    assert jsonschema.validate is not metadata_schema.validate  # only nbgrader's module sees the cached one
    with pytest.raises(jsonschema.ValidationError):
        metadata_schema.validate(3, {"type": "string"})
    metadata_schema.validate("ok", {"type": "string"})
