{{- define "outpost.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "outpost.serviceAccountName" -}}
{{- default (include "outpost.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "outpost.databaseSecretName" -}}
{{- default (printf "%s-database" (include "outpost.fullname" .)) .Values.database.existingSecret -}}
{{- end -}}

{{- define "outpost.builtInNamespace" -}}
{{- default "outpost-workspaces" .Values.builtInProvider.namespace -}}
{{- end -}}

{{- define "outpost.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The `helm test` pod's image: the server's own (it has node) unless tests.image names another. */}}
{{- define "outpost.testImage" -}}
{{- if .Values.tests.image.repository -}}
{{- printf "%s:%s" .Values.tests.image.repository .Values.tests.image.tag -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default (default .Chart.AppVersion .Values.image.tag) .Values.tests.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* More than one server replica: the PodDisruptionBudget and the anti-affinity rule apply. */}}
{{- define "outpost.replicated" -}}
{{- if gt (int .Values.replicaCount) 1 }}true{{ end -}}
{{- end -}}

{{/*
The server pods' affinity: `affinity` as given, plus (with several replicas) the podAntiAffinity rule of
`podAntiAffinity` unless `affinity` brings its own.
*/}}
{{- define "outpost.affinity" -}}
{{- $affinity := deepCopy .Values.affinity -}}
{{- $rule := .Values.podAntiAffinity -}}
{{- if and (include "outpost.replicated" .) (ne $rule.mode "none") (not (hasKey $affinity "podAntiAffinity")) -}}
{{- $term := dict "labelSelector" (dict "matchLabels" (include "outpost.selectorLabels" . | fromYaml)) "topologyKey" $rule.topologyKey -}}
{{- if eq $rule.mode "required" -}}
{{- $_ := set $affinity "podAntiAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term)) -}}
{{- else -}}
{{- $_ := set $affinity "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" $rule.weight "podAffinityTerm" $term))) -}}
{{- end -}}
{{- end -}}
{{- with $affinity }}{{ toYaml . }}{{ end -}}
{{- end -}}

{{- define "outpost.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "outpost.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "outpost.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "outpost.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "outpost.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "outpost.databaseSecretName" . }}
      key: {{ .Values.database.existingSecretKey }}
{{- end -}}
