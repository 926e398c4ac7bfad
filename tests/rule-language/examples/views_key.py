SIGNING_KEY = "outside the include paths"  # ok: lang-py-constraints
