"""The administrator logs in, sees the administration page, and creates a cohort."""

from playwright.sync_api import expect


def test_admin_logs_in_and_sees_administration(page, make_user, browser_login):
    admin = make_user(roles=("admin",), email="admin@example.org", first_name="Ada")
    browser_login(page, admin)
    expect(page.get_by_role("heading", name="Bonjour Ada")).to_be_visible()
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible()
    page.get_by_role("link", name="Gérer les cohortes").click()
    page.get_by_label("Nom de la cohorte").fill("Promotion 2026-A")
    page.get_by_role("button", name="Créer la cohorte").click()
    expect(page.get_by_role("status")).to_contain_text("Cohorte « Promotion 2026-A » créée.")
    expect(page.get_by_role("link", name="Promotion 2026-A")).to_be_visible()


def test_candidate_cannot_open_administration(page, make_user, browser_login):
    candidate = make_user(roles=("candidate",))
    browser_login(page, candidate)
    response = page.goto("/admin/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accès refusé")
