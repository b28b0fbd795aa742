"""A bare Flask route, served under the same gunicorn settings as the shop: the benchmark's yardstick."""
from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "Hello, world"
