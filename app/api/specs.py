from flask import Blueprint
from sqlalchemy import select

from app.api.common import load_body, require_admin, require_user
from app.extensions import db
from app.models import Spec
from app.schemas.runner import SpecCreateSchema, SpecOutSchema
from app.services.runners import create_spec

bp = Blueprint("specs", __name__)


@bp.post("/specs")
def post_spec():
    require_admin()
    spec = create_spec(load_body(SpecCreateSchema()))
    db.session.commit()
    return SpecOutSchema().dump(spec), 201


@bp.get("/specs")
def list_specs():
    require_user()
    return SpecOutSchema(many=True).dump(db.session.scalars(select(Spec).order_by(Spec.slug)).all())
