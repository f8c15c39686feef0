"""JupyterHub for one course: a system user per student, nbgrader's exchange, formgrader as a hub service.

hub/hubctl.py writes the state file (HUB_STATE) and starts the hub with this
config; see docs/jupyterhub.md. Everything listens on 127.0.0.1.
"""
import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 - injected by traitlets

S = json.loads(Path(os.environ["HUB_STATE"]).read_text())
STATE = Path(S["state_dir"])
VENV_BIN = S["venv_bin"]
PATH = f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin"

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = S["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = S["port"] + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{S['port'] + 2}"
c.ConfigurableHTTPProxy.command = [S["chp"]]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")

# The demo's login: every account of the course, one password (printed by `make hub`).
# A real course uses LTI or OAuth instead (docs/jupyterhub.md).
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = S["password"]
c.Authenticator.allowed_users = set(S["students"]) | {S["instructor"], S["ta"]}
c.Authenticator.admin_users = {S["instructor"]}

# One system user per student (LocalProcessSpawner, the default): homes are 0700.
SINGLEUSER = [f"{VENV_BIN}/python", "-m", "jupyterhub.singleuser"]
c.Spawner.cmd = SINGLEUSER
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.environment = {
    # nbgrader_config.py (course id, exchange) and the switches that leave only the Assignments tab.
    "JUPYTER_CONFIG_PATH": f"{S['student_config']}:{S['jupyter_config']}",
    "JUPYTER_PATH": S["jupyter_path"],
    "PATH": PATH,
    "COURSE_EXCHANGE": S["exchange"],
}


def home_must_exist(spawner):
    """A missing home (an unmounted share, a deleted account) stops the spawn with the fix, creating nothing."""
    import pwd

    from tornado import web

    def refuse(message):
        err = web.HTTPError(503, message.replace("%", "%%"))
        err.jupyterhub_message = message  # shown on the spawn page instead of "Unhandled error"
        return err

    name = spawner.user.name
    try:
        home = pwd.getpwnam(name).pw_dir
    except KeyError:
        raise refuse(f"There is no system account {name!r} on this machine; an admin adds it with "
                           f"`hub/hubctl.py add-user {name}`.") from None
    if not os.path.isdir(home):
        raise refuse(f"The home folder {home} of {name} does not exist, so the server cannot start. "
                           f"An admin restores it (or runs `hub/hubctl.py add-user {name}`); nothing was created.")


c.Spawner.pre_spawn_hook = home_must_exist

# The formgrader of this course: a hub-managed service run as the course account, for its graders only.
COURSE = S["course_id"]
c.JupyterHub.services = [{
    "name": COURSE,
    "url": f"http://127.0.0.1:{S['port'] + 3}",
    "command": SINGLEUSER,
    "user": S["grader"],
    "cwd": S["course_dir"],
    "oauth_no_confirm": True,
    "environment": {
        "JUPYTERHUB_DEFAULT_URL": "/lab",
        "PATH": PATH,
        "HOME": S["grader_home"],
        "JUPYTER_CONFIG_PATH": S["jupyter_config"],
        "JUPYTER_PATH": S["jupyter_path"],
        "COURSE_DB_URL": S["db_url"],
        "COURSE_EXCHANGE": S["exchange"],
        "COURSE_SANDBOX": os.environ.get("COURSE_SANDBOX", "auto"),
    },
}]
c.JupyterHub.load_groups = {f"formgrade-{COURSE}": {"users": [S["instructor"], S["ta"]]}}
c.JupyterHub.load_roles = [{
    "name": f"formgrade-{COURSE}",
    "groups": [f"formgrade-{COURSE}"],
    "scopes": [f"access:services!service={COURSE}"],
}]
