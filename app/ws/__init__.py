"""The runner WebSocket channel (flask-sock)."""

from flask import Flask


def register(app: Flask) -> None:
    from app.ws.channel import bp

    app.register_blueprint(bp)
