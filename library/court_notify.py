#!/usr/bin/python
"""Ansible module: send an early warning through Apprise (e-mail, Telegram, webhook, ...)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: court_notify
short_description: Send a warning through Apprise to every configured service
description:
  - Uses the Apprise library, so one list of URLs reaches e-mail (C(mailto://)), Telegram
    (C(tgram://)), WhatsApp, a JSON webhook (C(json://)) and the other Apprise services.
  - Not sent in check mode. Sending does not change the managed system, so C(changed) stays false;
    C(sent) tells whether the warning went out.
  - Fails with one line when a service refuses the message.
version_added: "0.1.0"
author: court SOP automation
options:
  urls:
    description: Apprise URLs; they carry tokens, so keep them in the vault.
    type: list
    elements: str
    required: true
  title:
    description: Title of the warning.
    type: str
    required: true
  body:
    description: Text of the warning.
    type: str
    required: true
  level:
    description: Apprise notification type.
    type: str
    default: warning
    choices: [info, success, warning, failure]
"""

EXAMPLES = r"""
- name: "D.1 | AUDIT | Send the early warning"
  court_notify:
    urls: "{{ vault_court_notify_urls }}"
    title: "Peringatan dini jaringan"
    body: "gw tidak terjangkau"
"""

RETURN = r"""
sent:
  description: True when every service accepted the warning.
  type: bool
  returned: always
targets:
  description: Number of services the warning was sent to.
  type: int
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(
            urls=dict(type="list", elements="str", required=True, no_log=True),
            title=dict(type="str", required=True),
            body=dict(type="str", required=True),
            level=dict(type="str", default="warning", choices=["info", "success", "warning", "failure"]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        import apprise
    except ImportError:
        module.fail_json(msg="the Apprise library is not installed for this Python (pip install apprise)")
    if not p["urls"]:
        module.fail_json(msg="no notification URL configured; set the notify URLs or turn the warning off")
    client = apprise.Apprise()
    for index, url in enumerate(p["urls"]):
        if not client.add(url):
            module.fail_json(
                msg=f"notification URL #{index + 1} is not a valid Apprise URL (scheme not recognised)"
            )
    if module.check_mode:
        module.exit_json(changed=False, sent=False, targets=len(client), skipped_reason="check mode")
    ok = client.notify(
        title=p["title"], body=p["body"], notify_type=getattr(apprise.NotifyType, p["level"].upper())
    )
    if not ok:
        module.fail_json(
            msg=f"the warning '{p['title']}' was not accepted by at least one of "
            f"{len(client)} notification services"
        )
    module.exit_json(changed=False, sent=True, targets=len(client))


if __name__ == "__main__":
    main()
