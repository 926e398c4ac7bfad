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
