import requests

VERIFY_TLS = False
STRICT_TLS = True
TIMEOUT = 10


def fetch(url):
    requests.get(url, verify=False)  # expect: lang-py-value-one-of
    requests.get(url, verify=VERIFY_TLS)  # expect: lang-py-value-one-of
    requests.get(url, verify=STRICT_TLS)  # ok: lang-py-value-one-of
    requests.get(url, verify=settings.VERIFY_TLS)  # ok: lang-py-value-one-of


def fetch_checked(url, VERIFY_TLS=True):
    # The parameter hides the module constant.
    requests.get(url, verify=VERIFY_TLS)  # ok: lang-py-value-one-of
