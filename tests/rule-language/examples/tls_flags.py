import httpx

VERIFY_TLS = False
STRICT_TLS = True
TIMEOUT = 10


def fetch(url):
    httpx.get(url, verify=False)  # expect: lang-py-value-one-of
    httpx.get(url, verify=VERIFY_TLS)  # expect: lang-py-value-one-of
    httpx.get(url, verify=STRICT_TLS)  # ok: lang-py-value-one-of
    httpx.get(url, verify=settings.VERIFY_TLS)  # ok: lang-py-value-one-of


def fetch_checked(url, VERIFY_TLS=True):
    # The parameter hides the module constant.
    httpx.get(url, verify=VERIFY_TLS)  # ok: lang-py-value-one-of
