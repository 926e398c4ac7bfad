import os

STRIPE_SECRET = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"  # expect-low: lang-py-constraints
API_TOKEN = os.environ["API_TOKEN"]  # ok: lang-py-constraints
TEST_KEY = "not-a-real-key"  # ok: lang-py-constraints
SIGNING_KEY = "changeme"  # ok: lang-py-constraints
