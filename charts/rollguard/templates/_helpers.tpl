{{/* The chart's name, or nameOverride. */}}
{{- define "rollguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of every object: fullnameOverride, else the release name when it already contains the chart's
name (release "rollguard" gives "rollguard", as deploy/ names them), else "<release>-<chart>".
*/}}
{{- define "rollguard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "rollguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rollguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rollguard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "rollguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "rollguard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* What rollguard may do on Releases and the objects they own: deploy/rbac/rbac.yaml's ClusterRole, less the kube-system read. */}}
{{- define "rollguard.releaseRules" -}}
- apiGroups: [rollguard.dev]
  resources: [releases]
  verbs: [get, list, watch, patch, update]
- apiGroups: [rollguard.dev]
  resources: [releases/status]
  verbs: [get, patch, update]
- apiGroups: [rollguard.dev]
  resources: [releases/finalizers]
  verbs: [update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch, update]
- apiGroups: [apps]
  resources: [controllerrevisions]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [list]
- apiGroups: ['']
  resources: [pods]
  verbs: [get, list, watch]
# A canary behind an HTTPRoute (spec.strategy.canary.trafficRouting) sets the route's backendRefs
# weights and narrows its two Services' selectors, the stable one to the stable ReplicaSet's pods.
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [list]
- apiGroups: ['']
  resources: [services]
  verbs: [get, patch]
- apiGroups: [gateway.networking.k8s.io]
  resources: [httproutes]
  verbs: [get, patch]
# A Job hook (spec.hooks) runs as a Job, created once and read until it completes. No delete: it goes
# away with its Release through its ownerReference.
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, create]
- apiGroups: ['', events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end }}

{{- define "rollguard.subject" -}}
- kind: ServiceAccount
  name: {{ include "rollguard.fullname" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}
