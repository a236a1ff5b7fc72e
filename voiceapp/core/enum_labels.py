"""The labels people read for an enum's members, written in the enum's own module.

Each module that defines a value the admin pages show (an outcome, an extension kind, a
language) writes the label of every member right after the enum, marked with N_(): English
there, translated where it is shown. labels_for checks the table when that module is
imported, so a member added without a label stops the application and every test at
once, rather than the one page that shows it (the call history answered 500 on an
`unknown_extension` call that way).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import TypeVar

Member = TypeVar("Member", bound=Enum)


def labels_for(enum: type[Member], labels: dict[Member, str]) -> Mapping[Member, str]:
    """`labels`, read-only, once every member of `enum` has a non-empty one."""
    unlabelled = [member.name for member in enum if not labels.get(member)]
    if unlabelled:
        raise TypeError(f"{enum.__name__} has members without a label: {', '.join(unlabelled)}")
    strangers = [repr(key) for key in labels if not isinstance(key, enum)]
    if strangers:
        raise TypeError(f"labels for {enum.__name__} name other values: {', '.join(strangers)}")
    return MappingProxyType(labels)
