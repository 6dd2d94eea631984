{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "sluice.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "sluice.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sluice.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sluice
{{- end -}}

{{- define "sluice.operatorSelector" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "sluice.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "sluice.sidecarImage" -}}
{{- default (include "sluice.image" .) .Values.sidecar.image -}}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (printf "%s-operator" (include "sluice.fullname" .)) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sluice.webhookService" -}}
{{- printf "%s-webhook" (include "sluice.fullname" .) -}}
{{- end -}}

{{- define "sluice.webhookCertSecret" -}}
{{- printf "%s-webhook-cert" (include "sluice.fullname" .) -}}
{{- end -}}

{{- define "sluice.connectionsSecret" -}}
{{- printf "%s-connections" (include "sluice.fullname" .) -}}
{{- end -}}

{{/* REDIS_URL and DATABASE_URL from an existing Secret or the chart's own. */}}
{{- define "sluice.storeEnv" -}}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "sluice.connectionsSecret" .) .Values.redis.existingSecret }}
      key: {{ if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}redis-url{{ end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "sluice.connectionsSecret" .) .Values.postgres.existingSecret }}
      key: {{ if .Values.postgres.existingSecret }}{{ .Values.postgres.existingSecretKey }}{{ else }}database-url{{ end }}
{{- end -}}
