"""The secret registry and the credential reader: every form a secret can take on the way
out is masked, ambiguous URLs and DSNs are refused without echo, and plain text stays."""

from __future__ import annotations

import base64
import logging
import sys
from urllib.parse import quote, quote_plus

import pytest

from warroom import redact
from warroom.credentials import CredentialError, keyword_pairs, split_credentials, userinfo_guess
from warroom.redact import (
    MASK,
    install_log_redaction,
    is_credential_name,
    is_secret_header,
    looks_like_a_key,
    redact_text,
    redact_url,
    redact_value,
    register_dsn_secrets,
    register_header,
    register_secret,
    register_url_secrets,
)


@pytest.fixture(autouse=True)
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with nothing registered (what one test registers must not make
    another pass), and the rest of the suite keeps what it had."""
    monkeypatch.setattr(redact, "_known", set())
    monkeypatch.setattr(redact, "_sorted", [])


# Passwords with every character that ends a URL's authority or its user information.
AMBIGUOUS = [
    # (the URL or DSN, pieces of its password that must never show)
    ("https://user:Pq7/Wv3x#Rk9z?Tm4c@api.example.test/health", ["Pq7/Wv3x", "Wv3x", "Rk9z"]),
    ("https://user:Hunter2zz#Xy7w@api.example.test/h", ["Hunter2zz", "Xy7w"]),
    ("https://user:Pa99?Qr88@api.example.test/h", ["Pa99", "Qr88"]),
    ("https://user:Ab12/Cd34@api.example.test/h", ["Cd34"]),
    ("https://user:Zz11@Yy22/Xx33@api.example.test/h", ["Zz11", "Yy22", "Xx33"]),
    ("postgresql://app:Dbpw77@Mid55@db.example.test/app", ["Dbpw77", "Mid55"]),
    ("postgresql://app:Kk44/Ll55@db.example.test:5432/app", ["Kk44", "Ll55"]),
    ("postgresql://app:Mm66#Nn77@db.example.test/app", ["Mm66", "Nn77"]),
    ("postgresql://app:Oo88?Pp99@db.example.test/app", ["Oo88", "Pp99"]),
    ("postgres://app:Qq10?x=1@Rr20@db.example.test/app", ["Qq10", "Rr20"]),
]


@pytest.mark.parametrize(("url", "pieces"), AMBIGUOUS)
def test_ambiguous_credentials_are_refused_without_echo_and_every_piece_is_masked(
    url: str, pieces: list[str]
) -> None:
    first_at = url.startswith("postgres")
    with pytest.raises(CredentialError) as caught:
        (register_dsn_secrets if first_at else register_url_secrets)(url)
    message = str(caught.value)
    assert "percent-encode" in message
    for piece in pieces:
        assert piece not in message
        assert piece not in redact_text(f"host {piece} said {piece}!")
        assert piece not in redact_url(url)


@pytest.mark.parametrize(
    ("url", "user", "password"),
    [
        ("https://api.example.test/health", None, None),
        ("https://u:p%2Fw%23x%3F%40y@h.test/x", "u", "p%2Fw%23x%3F%40y"),
        ("https://u:s3cr@t!@h.test/x", "u", "s3cr@t!"),  # httpx and urllib take the last @
        ("https://u:a:b:c@h.test", "u", "a:b:c"),
        ("https://tok3nAsUser@h.test", "tok3nAsUser", None),
        ("https://u:@h.test", "u", ""),
        ("https://h.test:8443/p?email=a@b.test", None, None),  # an @ after a real port
        ("https://[::1]:8443/p?email=a@b.test", None, None),
        ("postgresql://app:pw@h1:5432,h2:5433/db", "app", "pw"),
        ("postgresql:///db?host=/run/postgresql", None, None),
        ("db.example.test/app", None, None),
    ],
)
def test_credentials_read_as_every_client_agrees(
    url: str, user: str | None, password: str | None
) -> None:
    found = split_credentials(url)
    assert (found.user, found.password) == (user, password)


def test_an_at_in_a_dsn_password_is_refused_but_accepted_in_an_http_url() -> None:
    with pytest.raises(CredentialError):
        split_credentials("postgresql://a:b@c@h/db", first_at=True)
    assert split_credentials("https://a:b@c@h/x").password == "b@c"


def test_a_password_is_masked_in_every_encoding_and_as_basic_credentials() -> None:
    password = "Sx9/q#r?t@u v"
    register_url_secrets(f"https://ops:{quote(password, safe='')}@h.test/x")
    basic = base64.b64encode(f"ops:{password}".encode()).decode()
    forms = [
        password,
        quote(password, safe=""),
        quote(password, safe="!$&'()*+,;="),
        quote_plus(password),
        basic,
        basic.rstrip("="),
        base64.urlsafe_b64encode(f"ops:{password}".encode()).decode(),
    ]
    for form in forms:
        assert form not in redact_text(f"<{form}>"), form


def test_a_lone_user_of_an_http_url_is_a_token() -> None:
    register_url_secrets("https://ghp_Tok3nUser0001@git.example.test/repo")
    assert "ghp_Tok3nUser0001" not in redact_text("fetching ghp_Tok3nUser0001 failed")
    assert redact_url("https://ghp_Tok3nUser0001@git.example.test/x") == (
        f"https://{MASK}@git.example.test/x"
    )


CREDENTIAL_NAMES = [
    "token",
    "private_token",
    "access_key",
    "apikey",
    "api_key",
    "key",
    "sig",
    "signature",
    "password",
    "secret",
    "client_secret",
    "auth",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "ACCESS_TOKEN",
    "code",
    "sas",
    "passwd",
    "session_id",
]


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
def test_query_values_of_credential_names_are_masked_and_registered(name: str) -> None:
    value = f"Qv-{name.lower()[:6]}-8181"
    url = f"https://h.test/x?page=2&{name}={value}#frag"
    register_url_secrets(url)
    shown = redact_url(url)
    assert value not in shown and "page=2" in shown
    assert value not in redact_text(f"see {url} and bare {value}")
    assert is_credential_name(name)


def test_query_values_in_a_fragment_are_masked_too() -> None:
    url = "https://h.test/cb#access_token=FragTok3n99&state=ok"
    assert "FragTok3n99" not in redact_url(url)
    assert "state=ok" in redact_url(url)


@pytest.mark.parametrize("name", ["page", "limit", "region", "q", "format"])
def test_ordinary_query_values_stay(name: str) -> None:
    assert not is_credential_name(name)
    assert redact_url(f"https://h.test/x?{name}=visible1") == f"https://h.test/x?{name}=visible1"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Api-Key", "xk-0000-1111"),
        ("X-Auth-Key", "plainwordkey"),
        ("Ocp-Apim-Subscription-Key", "0123456789abcdef"),
        ("Authorization", "Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl"),
        ("X-Tenant-Credential", "cred-value-1"),
        ("X-Custom", "a1b2c3d4e5f6"),  # not named like a key, but looks like one
    ],
)
def test_configured_headers_are_registered(name: str, value: str) -> None:
    register_header(name, value)
    secret = value.split(" ", 1)[-1]
    assert secret not in redact_text(f"echo: {secret}")
    assert is_secret_header(name)


def test_plain_headers_and_word_values_stay_readable() -> None:
    register_header("Accept", "application/json-9zz9")
    register_header("X-Env", "production")
    assert redact_text("application/json-9zz9 production") == ("application/json-9zz9 production")
    assert not is_secret_header("Accept") and is_secret_header("X-Env")
    assert not looks_like_a_key("production") and looks_like_a_key("abc123def")
    assert not looks_like_a_key("two words1") and looks_like_a_key("x" * 20)


def test_basic_header_registers_the_pair_and_its_base64() -> None:
    pair = "carol:C4r/o#l?@pw"
    encoded = base64.b64encode(pair.encode()).decode()
    register_header("Authorization", f"Basic {encoded}")
    for form in (encoded, pair, "C4r/o#l?@pw", quote("C4r/o#l?@pw", safe="")):
        assert form not in redact_text(f"[{form}]"), form


def test_an_undecodable_basic_header_is_still_registered() -> None:
    register_header("Authorization", "Basic !!not-base64-zz9!!")
    assert "!!not-base64-zz9!!" not in redact_text("got !!not-base64-zz9!!")


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ('{"authorization": "Bearer abc123def456ghi"}', "abc123def456ghi"),
        ("X-Api-Key: k3y-v4lue", "k3y-v4lue"),
        ("x-auth-token=tt99zz", "tt99zz"),
        ("Ocp-Apim-Subscription-Key: subkey1", "subkey1"),
        ("Cookie: sid=abc987", "abc987"),
        ("postgresql://app:s3cr@t!@db/app", "s3cr@t!"),
        ("host=db password='a b c' dbname=x", "a b c"),
        ("GET /?X-Amz-Signature=f00d&X-Amz-Date=1", "f00d"),
        ("url: https://h/x?private_token=pt1&x=1", "pt1"),
        ("basic YWxpY2U6c2VjcmV0 was sent", "YWxpY2U6c2VjcmV0"),
        ("Bearer 9f8e7d6c5b4a3f2e1d", "9f8e7d6c5b4a3f2e1d"),
    ],
)
def test_unregistered_credentials_are_recognised(text: str, hidden: str) -> None:
    assert hidden not in redact_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "author: Bob",
        "we use basic authentication",
        "bearer tokens expire hourly",
        "passwords: 3 rotated",
        "primary key is id",
        "keyboard shortcuts",
        "https://h.test/x?author=bob",
        "basic c29tZXRoaW5n",  # base64 of "something": no user:password inside
    ],
)
def test_plain_text_is_left_alone(text: str) -> None:
    if "author=bob" in text:  # a query name containing "auth" is masked, on purpose
        assert redact_text(text) == "https://h.test/x?author=***"
        return
    assert redact_text(text) == text


def test_registry_ignores_short_values_and_masks_escaped_forms() -> None:
    register_secret("abc")
    assert redact_text("abc") == "abc"
    register_secret('q"uo\\te9')
    assert redact_text('{"x": "q\\"uo\\\\te9"}') == '{"x": "***"}'


def test_redact_value_masks_nested_strings_keys_too() -> None:
    register_secret("NestedS3cret")
    value = {"a": ["x NestedS3cret", {"NestedS3cret": 1}], "n": 2, "b": None}
    assert redact_value(value) == {"a": ["x ***", {"***": 1}], "n": 2, "b": None}


def test_keyword_dsn_pairs_and_their_errors_never_quote_the_string() -> None:
    assert keyword_pairs(r"user=a password='o\'k pw' sslmode=require") == {
        "user": "a",
        "password": "o'k pw",
        "sslmode": "require",
    }
    for bad in ("host=db password='unterminated", "just words Kw55secret", "=x"):
        with pytest.raises(ValueError) as caught:
            keyword_pairs(bad)
        assert "Kw55secret" not in str(caught.value) and "unterminated" not in str(caught.value)


def test_keyword_dsn_passwords_and_pgpassword_are_registered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", "EnvPgPw1234")
    register_dsn_secrets("host=db user=app password='Kv/pw#?@77' sslpassword=SslPw8888")
    for secret in ("EnvPgPw1234", "Kv/pw#?@77", "SslPw8888"):
        assert secret not in redact_text(f"x {secret} y")


def test_log_records_are_masked_as_they_are_made(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()  # a second install is a no-op
    install_log_redaction()
    register_secret("LogS3cret77")
    logger = logging.getLogger("warroom.test.redact")
    with caplog.at_level(logging.DEBUG):
        logger.warning("connect to %s failed", "postgresql://a:LogS3cret77@h/db")
        logger.info("HTTP Request: GET https://h/x?private_token=LogTok77 ok")
        try:
            raise RuntimeError("boom LogS3cret77")
        except RuntimeError:
            logger.exception("failed")
        logger.warning("bad %d format", "LogS3cret77")  # a broken call is masked too
    assert "LogS3cret77" not in caplog.text and "LogTok77" not in caplog.text
    assert all("LogS3cret77" not in r.getMessage() for r in caplog.records)
    assert "boom ***" in caplog.text


def test_a_refused_url_registers_its_password_pieces_but_not_its_user() -> None:
    with pytest.raises(CredentialError):
        register_url_secrets("https://opsuser:Piece1/Piece2@h.test/x")
    assert redact_text("opsuser Piece1 Piece2") == f"opsuser {MASK} {MASK}"


def test_a_lone_user_token_is_registered_as_basic_credentials_too() -> None:
    register_url_secrets("https://LoneTok3n99@h.test/x")
    assert b64("LoneTok3n99:") not in redact_text(b64("LoneTok3n99:"))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Found by mutation testing (mutmut on redact.py and credentials.py) ----------------------


def test_the_shortest_registered_secret_has_four_characters() -> None:
    register_secret("abcd")
    register_secret("xyz")
    assert redact_text("abcd xyz") == f"{MASK} xyz"


def test_json_and_repr_escaped_forms_are_each_registered() -> None:
    value = 'q"uo\\te\n9'
    register_secret(value)
    json_form = 'q\\"uo\\\\te\\n9'
    repr_form = 'q"uo\\\\te\\n9'
    assert redact_text(f"<{json_form}>") == f"<{MASK}>"
    assert redact_text(f"<{repr_form}>") == f"<{MASK}>"


def test_the_longest_secret_is_masked_first() -> None:
    register_secret("abcdefghij")
    register_secret("abcdef")
    register_secret("abcdefgh")
    assert redact_text("abcdefghij") == MASK


def test_each_url_encoding_of_a_password_is_registered() -> None:
    password = "Pw!$(x) y/z@#"
    register_url_secrets(f"https://ops:{quote(password, safe='')}@h.test/x")
    for form in (
        password,
        quote(password, safe=""),
        quote(password, safe="!$&'()*+,;="),
        quote_plus(password),
    ):
        assert redact_text(f"<{form}>") == f"<{MASK}>", form


def test_basic_forms_padded_unpadded_and_urlsafe() -> None:
    user = "eve"
    for suffix in range(200):  # a pair whose base64 has '/' or '+' and padding
        password = f"Pw?{suffix}>"
        encoded = b64(f"{user}:{password}")
        if ("/" in encoded or "+" in encoded) and encoded.endswith("="):
            break
    register_url_secrets(f"https://{user}:{quote(password, safe='')}@h.test/x")
    urlsafe = base64.urlsafe_b64encode(f"{user}:{password}".encode()).decode()
    for form in (encoded, encoded.rstrip("="), urlsafe, urlsafe.rstrip("=")):
        assert redact_text(f"[{form}]") == f"[{MASK}]", form


def test_a_credential_header_with_a_plain_word_value_is_registered() -> None:
    register_header("X-Api-Key", "justaword")
    assert redact_text("justaword") == MASK


def test_a_header_credential_after_its_scheme_is_registered_whole() -> None:
    register_header("Authorization", "Token Ab1 Cd2 Ef3")
    assert redact_text("[Ab1 Cd2 Ef3]") == f"[{MASK}]"
    assert redact_text("Token") == "Token"


def test_an_uppercase_basic_header_registers_the_password_and_its_encodings() -> None:
    password = "Pw9:Colon5/x"
    pair = f"dave:{password}"
    register_header("Authorization", f"BASIC {b64(pair)}")
    for form in (pair, password, quote(password, safe="")):
        assert redact_text(f"[{form}]") == f"[{MASK}]", form
    assert redact_text("[dave]") == "[dave]"


def test_a_lone_user_of_a_plain_http_url_is_registered() -> None:
    register_url_secrets("http://HttpTok3n1@h.test/x")
    assert redact_text("HttpTok3n1") == MASK
    register_url_secrets("postgresql://dbuser@h.test/x")  # a DSN's user is not a secret
    assert redact_text("dbuser") == "dbuser"


def test_registering_a_url_with_no_credentials_registers_nothing() -> None:
    register_url_secrets("https://h.test/x?page=20&token=")
    assert redact._known == set()


def test_redact_url_output_exactly() -> None:
    assert redact_url("https://u:p@h.test/x?a=1&token=t0k&b=2#f") == (
        f"https://u:{MASK}@h.test/x?a=1&token={MASK}&b=2#f"
    )
    assert redact_url("HTTPS://tok3n@h.test/x") == f"https://{MASK}@h.test/x"
    assert redact_url("ftp://user@h.test/x") == "ftp://user@h.test/x"
    assert redact_url("https://h.test/x?a=1") == "https://h.test/x?a=1"
    assert redact_url("https://h.test/x#section") == "https://h.test/x#section"
    assert redact_url("https://h.test/x?token=&a=1") == f"https://h.test/x?token={MASK}&a=1"
    assert redact_url("https://u:a/b@h.test/x@y") == f"https://{MASK}@y"
    assert redact_url("https://u:p@q/r@h.test/s") == f"https://{MASK}@h.test/s"


def test_scheme_credentials_in_free_text() -> None:
    padded = b64("ab:cdefg")  # needs padding back before it decodes
    assert redact_text(f"basic {padded.rstrip('=')}") == f"basic {MASK}"
    assert redact_text("basic !!!!!!!!!!") == "basic !!!!!!!!!!"
    assert redact_text("bearer abcdefghijklmnop") == "bearer abcdefghijklmnop"  # no digit
    assert redact_text("bearer abc1") == "bearer abc1"  # too short
    assert redact_text("bearer abcdefghijk1") == f"bearer {MASK}"  # 12 characters
    assert redact_text("bearer abcdefghij1") == "bearer abcdefghij1"  # 11


def test_a_field_already_masked_is_left_as_it_is() -> None:
    register_secret("Tok3nValue")
    assert redact_text("token: Tok3nValue") == f"token: {MASK}"
    assert redact_text("Authorization: Bearer Tok3nValue") == f"Authorization: Bearer {MASK}"


def test_keyword_passwords_in_free_text() -> None:
    assert redact_text("host=db password=abc dbname=x") == f"host=db password={MASK} dbname=x"


def test_looks_like_a_key_boundaries() -> None:
    assert looks_like_a_key("abcd1234") and not looks_like_a_key("abc1234")
    assert looks_like_a_key("a" * 20) and not looks_like_a_key("a" * 19)
    assert not looks_like_a_key("  ")


def test_split_credentials_details() -> None:
    assert split_credentials("https://u:pw@h.test/x?r=http://y").password == "pw"
    assert split_credentials("://u:pw@h").password == "pw"
    assert split_credentials("https://u:pXw@h.test").password == "pXw"
    assert split_credentials("https://u:pw@h.test").userinfo == "u:pw"
    assert split_credentials("https://h.test").userinfo is None
    with pytest.raises(CredentialError, match=r"^its user:password part holds an unencoded"):
        split_credentials("https://u:p@h/x@y")
    with pytest.raises(CredentialError, match=r"^its password seems to hold an unencoded"):
        split_credentials("https://u:a/b@h")
    with pytest.raises(CredentialError, match=r"^its password holds an unencoded '@'"):
        split_credentials("postgresql://u:a@b@h", first_at=True)
    with pytest.raises(CredentialError):
        split_credentials("https://h]x/p?e=a@b")  # not a host at all
    assert split_credentials("postgresql://h1:5432,h2:5433/db?x=a@b") == split_credentials("")


def test_userinfo_guess() -> None:
    assert userinfo_guess("https://u:a/b@c@h/x") == "u:a/b@c"
    assert userinfo_guess("https://@h") == ""
    assert userinfo_guess("x@https://h") is None
    assert userinfo_guess("https://h/x") is None
    assert userinfo_guess("no scheme@h") is None
    assert userinfo_guess("ab://u@h") == "u"


def test_keyword_pairs_details() -> None:
    assert keyword_pairs("user=a   ") == {"user": "a"}
    assert keyword_pairs("  ") == {}
    with pytest.raises(ValueError, match=r"^not a key=value connection string$"):
        keyword_pairs("user=a !")


def test_a_record_factory_masks_message_arguments_and_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register_secret("FactS3cret")
    make = redact._redacting_factory(logging.LogRecord)
    try:
        raise ValueError("FactS3cret in the error")
    except ValueError:
        record = make("x", logging.ERROR, "f.py", 1, "a %s b", ("FactS3cret",), sys.exc_info())
    assert (record.msg, record.args) == (f"a {MASK} b", None)
    assert "FactS3cret" not in record.exc_text and "ValueError: *** in the error" in record.exc_text
    plain = make("x", logging.INFO, "f.py", 1, "%d apples", ("FactS3cret",), None)
    assert plain.msg == "%d apples" and plain.exc_text is None
    monkeypatch.setattr(logging, "_logRecordFactory", logging.LogRecord)
    install_log_redaction()
    installed = logging.getLogRecordFactory()
    assert installed is not logging.LogRecord and installed.warroom_redacting is True
    install_log_redaction()
    assert logging.getLogRecordFactory() is installed


def test_longest_first_is_by_length_not_by_letters() -> None:
    register_secret("zz12")
    register_secret("aa11zz12")
    assert redact_text("aa11zz12") == MASK


def test_the_fully_encoded_form_is_registered_from_a_lightly_encoded_url() -> None:
    password = "Pw!$(x) y/z@#"
    light = quote(password, safe="!$&'()*+,;=")
    register_url_secrets(f"https://ops:{light}@h.test/x")
    assert redact_text(quote(password, safe="")) == MASK


def test_a_basic_header_registers_the_urlsafe_base64_too() -> None:
    for suffix in range(200):
        pair = f"frank:Pw?{suffix}>"
        if "/" in b64(pair) or "+" in b64(pair):
            break
    register_header("Authorization", f"Basic {b64(pair)}")
    urlsafe = base64.urlsafe_b64encode(pair.encode()).decode()
    assert redact_text(f"[{urlsafe}]") == f"[{MASK}]"


def test_a_basic_word_that_is_not_base64_stays() -> None:
    assert redact_text("basic ab.cd_ef.gh") == "basic ab.cd_ef.gh"


def test_a_lone_user_is_masked_in_a_plain_http_url() -> None:
    assert redact_url("http://tok3n@h.test/x") == f"http://{MASK}@h.test/x"


def test_userinfo_guess_and_split_edges() -> None:
    assert userinfo_guess("https://u:a/b@h.test/x?next=http://y") == "u:a/b"
    assert userinfo_guess("://u@h") == "u"
    assert userinfo_guess("x@://h") is None
    assert split_credentials("file:///p@x").userinfo is None


def test_the_installed_factory_makes_masked_records(monkeypatch: pytest.MonkeyPatch) -> None:
    register_secret("Inst4lled")
    monkeypatch.setattr(logging, "_logRecordFactory", logging.LogRecord)
    install_log_redaction()
    record = logging.getLogRecordFactory()("x", logging.INFO, "f", 1, "%s", ("Inst4lled",), None)
    assert record.getMessage() == MASK
