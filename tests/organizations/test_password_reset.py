"""Password reset as a citizen uses it: a link by mail, the same answer for any address,
limited so that nobody's inbox can be flooded."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "kawa-no-nagare-2026"


@pytest.fixture
def citizen(django_user_model):
    return django_user_model.objects.create_user(
        "hanako", email="hanako@example.jp", password="old-password-2026"
    )


def request_reset(client, email, **extra):
    return client.post("/accounts/password_reset/", {"email": email}, **extra)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_the_login_page_offers_a_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in page and "パスワードを忘れた方" in page


def test_a_citizen_resets_the_password_with_the_mailed_link(client, citizen):
    response = request_reset(client, "Hanako@Example.jp")
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hanako@example.jp"]
    assert "パスワードの再設定" in mail.outbox[0].subject
    link = link_in(mail.outbox[0])
    path = link.removeprefix("http://testserver")
    # Django moves the token into the session and shows the form at a token-free URL.
    form_page = client.get(path, follow=True)
    assert "新しいパスワードの設定" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "パスワードを変更しました" in done.content.decode()
    assert client.login(username="hanako", password=NEW_PASSWORD)
    client.logout()
    # The link works once.
    again = client.get(path, follow=True).content.decode()
    assert "このリンクは使えません" in again


def test_the_answer_does_not_tell_whether_an_address_has_an_account(client, citizen):
    known = request_reset(client, "hanako@example.jp", follow=True)
    unknown = request_reset(client, "nobody@example.jp", follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain

    def without_token(html):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert without_token(known.content.decode()) == without_token(unknown.content.decode())
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]


def test_staff_signing_in_through_the_identity_provider_get_no_mail(client, django_user_model):
    user = django_user_model.objects.create_user("oidc-staff", email="staff@city.example.jp")
    user.set_unusable_password()
    user.save()
    assert request_reset(client, "staff@city.example.jp").status_code == 302
    assert mail.outbox == []


def test_one_address_cannot_be_flooded(client, citizen):
    for _ in range(3):
        assert request_reset(client, "hanako@example.jp").status_code == 302
    refused = request_reset(client, "hanako@example.jp")
    assert refused.status_code == 429
    assert "短い時間に何度も" in refused.content.decode()
    assert len(mail.outbox) == 3


def test_one_client_cannot_probe_many_addresses(client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 5
    answers = [request_reset(client, f"person{n}@example.jp").status_code for n in range(7)]
    assert answers == [302] * 5 + [429] * 2


def test_a_mistyped_address_is_explained_in_japanese(client):
    response = request_reset(client, "hanako-at-example")
    assert response.status_code == 200
    assert "有効なメールアドレスを入力してください" in response.content.decode()
