"""`voiceapp admin create-user|list|update|remove` with roles and details, and
`voiceapp contacts|groups ...`: what they print, and every refusal on one line, exit 1."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceapp.cli import main
from voiceapp.core.settings import get_settings

from .conftest import AUTH_TOKEN, PUBLIC_URL

Capture = pytest.CaptureFixture[str]
PASSWORD = "a long enough password"
ANA = ["--name", "Ana Ruiz", "--email", "ana@example.com", "--language", "es"]


@pytest.fixture
def cli(migrated_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command, on the test's migrated database (SQLite, and PostgreSQL when set)."""
    monkeypatch.setenv("VOICEAPP_DATABASE_URL", migrated_database_url)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("VOICEAPP_PUBLIC_URL", PUBLIC_URL)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(capsys: Capture, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(stdin))
        try:
            code = main(list(argv))
        except SystemExit as exited:  # argparse's usage errors
            code = int(exited.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def fails(capsys: Capture, *argv: str, stdin: str = "") -> str:
    """The one line a refused command prints; asserts exit 1 and nothing on stdout."""
    code, out, err = run(capsys, *argv, stdin=stdin)
    assert (code, out) == (1, ""), (code, out, err)
    assert err.count("\n") == 1 and err.startswith("voiceapp: error: "), err
    return err.removeprefix("voiceapp: error: ").rstrip("\n")


def create(capsys: Capture, name: str, *options: str) -> str:
    code, out, err = run(
        capsys, "admin", "create-user", name, "--password-stdin", *options, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    return out


@pytest.fixture
def office(cli: None, capsys: Capture) -> None:
    """An admin, root, and an organizer, ines, who writes in French."""
    create(capsys, "root")
    create(capsys, "ines", "--role", "organizer", "--language", "fr")


def test_create_user_takes_a_role_and_details(cli: None, capsys: Capture) -> None:
    assert create(capsys, "root") == "created admin 'root'\n"
    out = create(
        capsys,
        "ana",
        "--role",
        "organizer",
        "--email",
        "Ana@Example.com",
        "--name",
        "Ana Ruiz",
        "--language",
        "es",
        "--timezone",
        "Europe/Madrid",
    )
    assert out == "created organizer 'ana'\n"
    code, out, _ = run(capsys, "admin", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["USERNAME", "ROLE", "NAME", "EMAIL", "LANGUAGE", "TIME", "ZONE"]
    assert lines[1].split() == [
        "ana",
        "organizer",
        "Ana",
        "Ruiz",
        "ana@example.com",
        "es",
        "Europe/Madrid",
    ]
    assert lines[2].split() == ["root", "admin", "-", "-", "en", "-"]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--timezone", "Mars/Olympus"], "'Mars/Olympus' is not a time zone name"),
        (["--email", "ana@"], "'ana@' is not a valid e-mail address, e.g. ana@example.com"),
        (["--language", "de"], "argument --language: invalid choice: 'de'"),
        (["--role", "boss"], "argument --role: invalid choice: 'boss'"),
    ],
)
def test_create_user_refuses_bad_details_on_one_line(
    cli: None, capsys: Capture, options: list[str], says: str
) -> None:
    line = fails(
        capsys, "admin", "create-user", "ana", "--password-stdin", *options, stdin=PASSWORD
    )
    assert says in line
    _, out, _ = run(capsys, "admin", "list")
    assert out.startswith("no accounts yet")


def test_update_and_remove_keep_one_admin(office: None, capsys: Capture) -> None:
    code, out, _ = run(
        capsys, "admin", "update", "ines", "--name", "Inés G", "--email", "ines@example.com"
    )
    assert (code, out) == (0, "organizer 'ines': 'Inés G' <ines@example.com>, fr, no time zone\n")
    assert fails(capsys, "admin", "update", "root", "--role", "organizer") == (
        "'root' is the last admin: make another account an admin first"
    )
    assert fails(capsys, "admin", "remove", "root") == (
        "'root' is the last admin: make another account an admin first"
    )
    assert fails(capsys, "admin", "update", "ines").startswith("nothing to change: give --role")
    assert fails(capsys, "admin", "update", "nobody", "--language", "es") == (
        "there is no account named 'nobody'"
    )
    code, out, _ = run(capsys, "admin", "remove", "ines")
    assert (code, out) == (0, "removed organizer 'ines' with their contacts and groups\n")


def test_contacts_add_list_remove(office: None, capsys: Capture) -> None:
    code, out, _ = run(
        capsys, "contacts", "add", "--owner", "ines", *ANA, "--phone", "+34 600 123 456"
    )
    assert (code, out) == (0, "contact ana@example.com: 'Ana Ruiz', es, +34600123456\n")
    # No language: the owner's.
    code, out, _ = run(
        capsys, "contacts", "add", "--owner", "ines", "--name", "Bruno", "--email", "b@example.com"
    )
    assert (code, out) == (0, "contact b@example.com: 'Bruno', fr\n")
    code, out, _ = run(capsys, "contacts", "list", "--owner", "ines")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert rows == [
        ["NAME", "EMAIL", "LANGUAGE", "PHONE", "GROUPS"],
        ["Ana", "Ruiz", "ana@example.com", "es", "+34600123456", "-"],
        ["Bruno", "b@example.com", "fr", "-", "-"],
    ]
    # Another account's list is its own.
    code, out, _ = run(capsys, "contacts", "list", "--owner", "root")
    assert out.startswith("no contacts yet for 'root': voiceapp contacts add --owner root")
    code, out, _ = run(capsys, "contacts", "remove", "--owner", "ines", "ANA@example.com")
    assert (code, out) == (0, "removed contact ana@example.com ('Ana Ruiz')\n")


def test_contacts_refusals_are_one_line(office: None, capsys: Capture) -> None:
    run(capsys, "contacts", "add", "--owner", "ines", *ANA)
    assert fails(capsys, "contacts", "add", "--owner", "ines", *ANA) == (
        "there is already a contact with the e-mail address ana@example.com"
    )
    assert fails(capsys, "contacts", "add", "--owner", "nobody", *ANA) == (
        "there is no account named 'nobody'"
    )
    bad_mail = ["--name", "X", "--email", "x@@example.com"]
    assert fails(capsys, "contacts", "add", "--owner", "ines", *bad_mail) == (
        "'x@@example.com' is not a valid e-mail address, e.g. ana@example.com"
    )
    assert "invalid choice: 'de'" in fails(
        capsys, "contacts", "add", "--owner", "ines", *ANA[:4], "--language", "de"
    )
    assert fails(capsys, "contacts", "remove", "--owner", "root", "ana@example.com") == (
        "there is no contact with the e-mail address ana@example.com"
    )
    assert "required: --owner" in fails(capsys, "contacts", "list")


def test_groups_add_list_remove(office: None, capsys: Capture) -> None:
    run(capsys, "contacts", "add", "--owner", "ines", *ANA)
    run(capsys, "contacts", "add", "--owner", "ines", "--name", "Bruno", "--email", "b@example.com")
    partners = ["groups", "add", "--owner", "ines", "--name", "Partners"]
    unknown = [
        "--member",
        "ana@example.com",
        "--member",
        "x@example.com",
        "--member",
        "y@example.com",
    ]
    assert fails(capsys, *partners, *unknown) == (
        "no contacts have the addresses x@example.com, y@example.com: add them as contacts first"
    )
    both = ["--member", "b@example.com", "--member", "ana@example.com"]
    code, out, _ = run(capsys, *partners, *both)
    assert (code, out) == (0, "group 'Partners': ana@example.com, b@example.com\n")
    assert (
        fails(
            capsys,
            "groups",
            "add",
            "--owner",
            "ines",
            "--name",
            "Partners",
            "--member",
            "b@example.com",
        )
        == "there is already a group named 'Partners'"
    )
    code, out, _ = run(capsys, "groups", "list", "--owner", "ines")
    assert [line.split() for line in out.splitlines()] == [
        ["NAME", "SIZE", "MEMBERS"],
        ["Partners", "2", "ana@example.com,", "b@example.com"],
    ]
    code, out, _ = run(capsys, "contacts", "list", "--owner", "ines")
    assert out.splitlines()[1].split()[-1] == "Partners"
    code, out, _ = run(capsys, "groups", "list", "--owner", "root")
    assert out.startswith("no groups yet for 'root'")
    code, out, _ = run(capsys, "groups", "remove", "--owner", "ines", "Partners")
    assert (code, out) == (0, "removed group 'Partners'\n")
    assert fails(capsys, "groups", "remove", "--owner", "ines", "Partners") == (
        "there is no group named 'Partners'"
    )
    assert "required: --member" in fails(
        capsys, "groups", "add", "--owner", "ines", "--name", "Empty"
    )


def test_contacts_import_prints_the_report(office: None, capsys: Capture, tmp_path: Path) -> None:
    run(capsys, "contacts", "add", "--owner", "ines", *ANA)
    file = tmp_path / "people.csv"
    file.write_text(
        "name;email;language;phone\n"
        "Ana Ruiz;ana@example.com;es;\n"
        "Bruno;bruno@example.com;fr;0612\n"
        "Carla;carla@;en;\n"
        "\n"
        "Dieter;dieter@example.com;de;\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "contacts", "import", "--owner", "ines", str(file))
    assert code == 0
    assert out.splitlines() == [
        "people.csv: 1 imported, 0 updated, 1 unchanged, 2 skipped",
        "line 3: bruno@example.com: phone left out: '0612' is not a phone number; write it "
        "with + and the country code, e.g. +33180000001",
        "line 4: skipped: 'carla@' is not a valid e-mail address, e.g. ana@example.com",
        "line 6: skipped: 'de' is not a language voiceapp writes in: use fr, es or en",
    ]
    cards = tmp_path / "cards.vcf"
    cards.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zo\xc3\xa9\r\nEMAIL:zoe@example.com\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:No mail\r\nEND:VCARD\r\n"
    )
    code, out, _ = run(capsys, "contacts", "import", "--owner", "ines", str(cards))
    assert out.splitlines() == [
        "cards.vcf: 1 imported, 0 updated, 0 unchanged, 1 skipped",
        "card 2: skipped: this card has no e-mail address",
    ]
    assert fails(
        capsys, "contacts", "import", "--owner", "ines", str(tmp_path / "missing.csv")
    ).startswith("cannot read ")
    (tmp_path / "latin1.csv").write_bytes("name,email\nZoé,z@example.com\n".encode("latin-1"))
    assert fails(
        capsys, "contacts", "import", "--owner", "ines", str(tmp_path / "latin1.csv")
    ).startswith("the file is not UTF-8 text")
