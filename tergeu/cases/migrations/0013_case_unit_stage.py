from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_case_next_due"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["investigation_unit", "stage"],
                include=("id", "lead_investigator", "next_due_at"),
                name="case_unit_stage",
            ),
        ),
    ]
