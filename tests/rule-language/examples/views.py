from decimal import Decimal

import requests
from flask import Flask, request
from flask_login import login_required

app = Flask(__name__)


@app.post("/admin/refund")
def refund():  # expect: lang-py-in-handler
    order = request.json["order"]
    requests.post("https://psp.example/refunds", json=order)  # expect: lang-py-pattern-not-has-where
    requests.post("https://psp.example/refunds", json=order, timeout=10)  # ok: lang-py-pattern-not-has-where
    requests.Session()  # ok: lang-py-pattern-not-has-where
    return "ok"


@app.post("/admin/close")
@login_required
def close():  # ok: lang-py-in-handler
    return "ok"


@app.get("/calc")
def calc():  # ok: lang-py-in-handler
    expression = request.args.get("expr")
    doubled = expression + expression
    eval(doubled)  # expect: lang-py-from-request
    eval("1 + 1")  # ok: lang-py-from-request
    exec(compile_plan())  # expect: lang-py-query
    return "ok"


@app.post("/quote")
def quote():
    amount = Decimal(request.args["amount"])  # expect: lang-py-where-per-branch
    amount = Decimal.from_float(1.5)  # expect: lang-py-where-per-branch
    amount = Decimal("1.00")  # ok: lang-py-where-per-branch
    return str(amount)


def settle(session, producer, event):
    producer.publish(event)  # expect: lang-py-follows
    session.commit()
    producer.publish(event)  # ok: lang-py-follows


app.run(debug=True)  # expect: lang-py-any-all-not
app.run(debug=settings.DEBUG)  # expect: lang-py-any-all-not
app.run(debug=False)  # ok: lang-py-any-all-not

if __name__ == "__main__":
    app.run(debug=True)  # ok: lang-py-any-all-not


@app.post("/accounts")
def open_account():
    account = Account(**request.json)  # expect: lang-py-nested-where
    account.__dict__.update(request.form)  # expect: lang-py-nested-where
    Account(**DEFAULTS)  # ok: lang-py-nested-where
    account.__dict__.update(DEFAULTS)  # ok: lang-py-nested-where
    return "ok"


def convert(name, flag):
    return "convert " + name + " " + flag


@app.post("/thumbnails")
def thumbnail():
    name = request.form["name"]
    parts = []
    parts.append(name)
    os.system(convert(parts[0], "-strip"))  # expect: lang-py-taint
    os.system("convert " + shlex.quote(name))  # ok: lang-py-taint
    size = int(request.args["size"])
    os.system(f"resize {size}")  # ok: lang-py-taint
    if name not in ALLOWED_FORMATS:
        abort(400)
    os.system("convert -format " + name)  # ok: lang-py-taint
    return "ok"


@app.post("/thumbnails/<name>")
def thumbnail_named(name):
    os.system("convert " + name)  # expect: lang-py-taint
    return "ok"


def render_thumbnail(request, image):
    # Called by a view with a model instance: a URL segment would be a string, not an object.
    os.system("convert " + image.path)  # ok: lang-py-taint
    return "ok"


def consume():
    message = queue.receive()
    os.system("echo " + message)  # expect: lang-py-taint
    os.system("echo " + audit_label())  # ok: lang-py-taint


@app.post("/archives")
def archive():
    name = request.args["name"]
    os.popen("gzip " + name)  # expect: lang-taint-per-language
    os.popen("gzip " + quote(name))  # ok: lang-taint-per-language
    return "ok"
