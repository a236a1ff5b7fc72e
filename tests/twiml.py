"""Reading TwiML in tests: parse it and look at element paths and attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import ElementTree as SafeET


def parse(body: str | bytes) -> ET.Element:
    root = SafeET.fromstring(body)
    assert root.tag == "Response", f"TwiML root is <{root.tag}>"
    return root


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]
