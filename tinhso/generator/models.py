"""What the generator keeps between runs."""

from django.db import models


class DeferredIndex(models.Model):
    """An index or unique constraint a bulk run dropped to load faster, with the statement that rebuilds it.

    Written in the transaction that drops it, so a run killed before rebuilding leaves it to the next run."""

    name = models.CharField(max_length=63, unique=True)  # PostgreSQL's longest identifier
    table = models.CharField(max_length=63)
    rebuild = models.TextField(help_text="CREATE INDEX … or ALTER TABLE … ADD CONSTRAINT …")
    deferred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.table}.{self.name}"
