"""The people of the load test (run by benchmarks/load.py; not imported by `make bench`).

Each simulated person signs in through the form as a demo login, passes the
second step with a backup code when it is asked for, and then walks the
pages of their role with a short think time. Anything but 200 counts as an
error: a page a role may not see would be a mistake of this file, not load.
The public checks the register and verifies licences and clearances at a
pace one address may keep under the public pages' rate limits.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, constant_pacing, events, task

from benchmarks.load import AGENCY_USERS, PAGES

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read()) if os.environ.get("LOAD_PLAN") else {}
DEMO_PASSWORD = "demo-lesotho-2026"  # core.demo.DEMO_PASSWORD (not imported: this process has no Django)
CODES = {username: iter(codes) for username, codes in PLAN.get("codes", {}).items()}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Every request of the whole run, the sign-ins included. load.py has locust reset its statistics once every person
# has arrived (--reset-stats: the latencies are the steady load's, not the sign-in burst's), so the errors are
# counted here, where nothing resets them.
TALLY = {"requests": 0, "errors": 0, "failures": []}


@events.request.add_listener
def _count_request(request_type, name, exception=None, **_kwargs):
    TALLY["requests"] += 1
    if exception is not None:
        TALLY["errors"] += 1
        if len(TALLY["failures"]) < 20:
            TALLY["failures"].append(f"{request_type} {name}: {exception}")


@events.quitting.add_listener
def _write_tally(**_kwargs):
    if os.environ.get("LOAD_TALLY"):
        with open(os.environ["LOAD_TALLY"], "w") as stream:
            json.dump(TALLY, stream)


MINISTRY_ROTATION = itertools.cycle(["licensing", "registrar", "registrar", "analyst", "chief", "inspector", "trainer", "admin"])
AGENCY_ROTATION = itertools.cycle(AGENCY_USERS)


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    role = ""

    def login_name(self) -> str:
        raise NotImplementedError

    def on_start(self):
        self.username = self.login_name()
        page = self.client.get("/account/login/", name="sign in (form)")
        answer = self.client.post(
            "/account/login/",
            data={"username": self.username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": self._token(page)},
            headers={"Referer": page.url},
            name="sign in",
        )
        if "/account/two-step/" in answer.url:
            code = next(CODES[self.username])
            answer = self.client.post(
                answer.url,
                data={"otp_token": code, "csrfmiddlewaretoken": self._token(answer)},
                headers={"Referer": answer.url},
                name="sign in (second step)",
            )
        if "/account/" in answer.url:
            raise RuntimeError(f"{self.username} could not sign in: ended on {answer.url}")
        self.visible = PLAN.get("visible", {}).get(self.username, {})

    def _token(self, response) -> str:
        match = TOKEN.search(response.text)
        return match.group(1) if match else self.client.cookies.get("csrftoken", "")

    @task
    def walk(self):
        page = random.choice(PAGES[self.role])
        name = page
        for kind in ("agencies", "workers", "contracts"):
            if "{" + kind + "}" in page:
                choices = self.visible.get(kind) or []
                if not choices:
                    return
                page = page.replace("{" + kind + "}", str(random.choice(choices)))
                name = name.replace("{" + kind + "}", "<id>")
        self.client.get(page, name=f"{self.role}: {name}")


class MinistryOfficer(SignedIn):
    weight = 3

    def login_name(self) -> str:
        self.role = next(MINISTRY_ROTATION)
        return self.role


class AgencyStaff(SignedIn):
    weight = 2
    role = "agency"

    def login_name(self) -> str:
        return next(AGENCY_ROTATION)


class PublicVisitor(HttpUser):
    """Anyone checking an agency or a border official checking a clearance: one address, inside the rate limits."""

    fixed_count = 1
    wait_time = constant_pacing(3)

    @task
    def register(self):
        self.client.get("/register/", name="public: /register/")

    @task
    def verify_licence(self):
        tokens = PLAN.get("licence_tokens") or []
        if tokens:
            self.client.get(f"/register/verify/{random.choice(tokens)}/", name="public: /register/verify/<token>/")

    @task
    def verify_clearance(self):
        tokens = PLAN.get("clearance_tokens") or []
        if tokens:
            self.client.get(f"/clearance/verify/{random.choice(tokens)}/", name="public: /clearance/verify/<token>/")
