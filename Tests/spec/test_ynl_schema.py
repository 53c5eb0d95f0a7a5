#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Documentation/spec/dst.yaml against the kernel's JSON schema for YNL specs
# of its protocol, genetlink-legacy (Documentation/netlink/genetlink-legacy.yaml
# of Linux 6.12), so that the kernel's YNL tools accept the family as
# Tools/nlgen does. Their loader (tools/net/ynl/lib/nlspec.py) checks a spec
# the same way: PyYAML's safe_load, then jsonschema.
#
#   python3 -m unittest discover -s Tests/spec -v      (part of make test-unit)
#
# Tools/setup.sh installs python3-yaml, python3-jsonschema and Debian's
# linux-source-6.12, and extracts the schema to /usr/local/share/dst/ynl/;
# DST_YNL_SCHEMA names another copy of it.
import copy
import os
import unittest

import jsonschema
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(REPO, "Documentation", "spec", "dst.yaml")
SCHEMA = os.environ.get("DST_YNL_SCHEMA", "/usr/local/share/dst/ynl/genetlink-legacy.yaml")

# The schema says draft-07; YNL's jsonschema.validate() does not know the
# schema's https URL for it and falls back to the newest draft. A spec must
# pass both.
VALIDATORS = (jsonschema.Draft7Validator, jsonschema.Draft202012Validator)


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def load_schema():
    if not os.path.isfile(SCHEMA):
        raise AssertionError(
            f"no YNL schema at {SCHEMA}: run Tools/setup.sh, which extracts "
            "Documentation/netlink/genetlink-legacy.yaml from Debian's linux-source-6.12 "
            "(or set DST_YNL_SCHEMA to a copy)")
    schema = load_yaml(SCHEMA)
    for validator in VALIDATORS:
        validator.check_schema(schema)
    return schema


def violations(spec, schema):
    """Every way SPEC breaks SCHEMA, one line each: "where: what"."""
    out = []
    for validator in VALIDATORS:
        for error in validator(schema).iter_errors(spec):
            where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
            line = f"{where}: {error.message}"
            if line not in out:
                out.append(line)
    return sorted(out)


class YNLSchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_schema()
        cls.spec = load_yaml(SPEC)

    def test_the_spec_is_genetlink_legacy(self):
        # The schema checked below is the one for this protocol.
        self.assertEqual(self.spec.get("protocol"), "genetlink-legacy")

    def test_the_spec_validates(self):
        found = violations(self.spec, self.schema)
        if found:
            self.fail(f"{SPEC} does not validate against {SCHEMA}:\n" + "\n".join(found))

    def test_a_broken_spec_fails(self):
        # The schema does catch what a careless edit breaks, and the report
        # says where.
        breakages = {
            "an unknown top-level key": (lambda s: s.update({"kernel-polcy": "global"}), "(top level)"),
            "an attribute type YNL does not know": (
                lambda s: s["attribute-sets"][0]["attributes"][0].update({"type": "u31"}),
                "attribute-sets/0/attributes/0/type"),
            "a misspelt check": (
                lambda s: s["attribute-sets"][0]["attributes"][0].update({"checks": {"maximum": 3}}),
                "attribute-sets/0/attributes/0/checks"),
            "an operation without a name": (
                lambda s: s["operations"]["list"][0].pop("name"), "operations/list/0"),
        }
        for what, (breakage, where) in breakages.items():
            with self.subTest(what):
                spec = copy.deepcopy(self.spec)
                breakage(spec)
                found = violations(spec, self.schema)
                self.assertTrue(any(line.startswith(where + ":") for line in found),
                                f"{what} went unnoticed at {where}: {found}")


if __name__ == "__main__":
    unittest.main()
