exec(open("bootstrap.py").read())  # ok: lang-py-query
