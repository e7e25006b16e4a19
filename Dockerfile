# For those who deploy with containers. NOT exercised by CI here (no Docker engine on the test
# machine): it runs exactly what the tested systemd units run (docs/deployment.md).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/portal
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system portal && DJANGO_SETTINGS_MODULE=portal.settings SECRET_KEY=build python manage.py collectstatic --noinput
USER portal
EXPOSE 8000
# The web process; the worker is the same image with `python manage.py qcluster` (compose.yaml).
CMD ["gunicorn", "portal.wsgi:application", "-c", "deploy/gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
