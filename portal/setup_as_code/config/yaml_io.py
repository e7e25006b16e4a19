"""YAML in and out. Times stay strings: a plain YAML loader turns ``2026-03-02T09:00:00Z`` into
a datetime, which would then fail the schema's ``string`` where the person wrote a string."""

from __future__ import annotations

import yaml

# libyaml's parser when PyYAML was built with it: ten times faster on a 1,000-schedule file.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_Base):
    pass


# Every implicit resolver but the timestamp one.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


def yaml_load(text: str):
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader


def yaml_dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
