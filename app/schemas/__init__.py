"""marshmallow schemas: request validation and response shapes. No database access here."""
