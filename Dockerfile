# The image docker-compose.yml runs: Airflow 3.3 with newsflow installed from the lock file.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:root requirements.lock /opt/newsflow/requirements.lock
RUN pip install --no-cache-dir -r /opt/newsflow/requirements.lock
COPY --chown=airflow:root . /opt/newsflow
RUN pip install --no-cache-dir --no-deps -e /opt/newsflow

WORKDIR /opt/newsflow
