{{/* Names */}}
{{- define "imagegate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "imagegate.fullname" -}}
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

{{- define "imagegate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels: common, then per component (gateway, zookeeper) */}}
{{- define "imagegate.labels" -}}
helm.sh/chart: {{ include "imagegate.chart" . }}
app.kubernetes.io/name: {{ include "imagegate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: imagegate
{{- end }}

{{- define "imagegate.gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "imagegate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{- define "imagegate.zookeeper.selectorLabels" -}}
app.kubernetes.io/name: {{ include "imagegate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: zookeeper
{{- end }}

{{- define "imagegate.zookeeper.fullname" -}}
{{- printf "%s-zookeeper" (include "imagegate.fullname" . | trunc 53 | trimSuffix "-") }}
{{- end }}

{{- define "imagegate.zookeeper.headless" -}}
{{- printf "%s-headless" (include "imagegate.zookeeper.fullname" .) }}
{{- end }}

{{- define "imagegate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "imagegate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "imagegate.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding the root user's keys */}}
{{- define "imagegate.rootSecretName" -}}
{{- if .Values.auth.existingSecret }}
{{- .Values.auth.existingSecret }}
{{- else }}
{{- printf "%s-root" (include "imagegate.fullname" .) }}
{{- end }}
{{- end }}

{{- define "imagegate.chunksClaimName" -}}
{{- if .Values.chunks.volume.existingClaim }}
{{- .Values.chunks.volume.existingClaim }}
{{- else }}
{{- printf "%s-chunks" (include "imagegate.fullname" .) }}
{{- end }}
{{- end }}

{{/* DNS name of ZooKeeper server i (0-based) of the bundled ensemble */}}
{{- define "imagegate.zookeeper.host" -}}
{{- $ := index . 0 }}
{{- $i := index . 1 }}
{{- printf "%s-%d.%s.%s.svc.%s" (include "imagegate.zookeeper.fullname" $) $i (include "imagegate.zookeeper.headless" $) $.Release.Namespace $.Values.clusterDomain }}
{{- end }}

{{/* serve --zookeeper: every server of the bundled ensemble, or the external connect string */}}
{{- define "imagegate.zookeeper.connect" -}}
{{- if .Values.zookeeper.enabled }}
{{- $servers := list }}
{{- range $i := until (int .Values.zookeeper.replicas) }}
{{- $servers = append $servers (printf "%s:2181" (include "imagegate.zookeeper.host" (list $ $i))) }}
{{- end }}
{{- join "," $servers }}
{{- else }}
{{- .Values.zookeeper.external.connect }}
{{- end }}
{{- end }}

{{/*
Refuses value combinations that would deploy something broken. Included by the Deployment,
so `helm template`, `helm install` and `helm upgrade` all stop with the message.
*/}}
{{- define "imagegate.validate" -}}
{{- $mode := .Values.chunks.mode }}
{{- if not (has $mode (list "s3" "volume")) }}
{{- fail (printf "chunks.mode must be \"s3\" or \"volume\", not %q" $mode) }}
{{- end }}
{{- if and (eq $mode "volume") (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "chunks.mode=volume keeps every chunk on one local PersistentVolume, which only a single gateway may use, but replicaCount=%d: set replicaCount=1, or keep chunks on an S3 service with chunks.mode=s3 and chunks.s3.bucket" (int .Values.replicaCount)) }}
{{- end }}
{{- if lt (int .Values.replicaCount) 1 }}
{{- fail "replicaCount must be at least 1" }}
{{- end }}
{{- if and (eq $mode "s3") (not .Values.chunks.s3.bucket) }}
{{- fail "chunks.mode=s3 needs chunks.s3.bucket (an existing bucket on the S3 service)" }}
{{- end }}
{{- if and (ne $mode "s3") .Values.chunks.s3.cache.disk.enabled }}
{{- fail "chunks.s3.cache.disk.enabled applies only to chunks.mode=s3" }}
{{- end }}
{{- if .Values.zookeeper.enabled }}
{{- if .Values.zookeeper.external.connect }}
{{- fail "set either zookeeper.enabled=true (a ZooKeeper StatefulSet in this release) or zookeeper.external.connect with zookeeper.enabled=false, not both" }}
{{- end }}
{{- $n := int .Values.zookeeper.replicas }}
{{- if or (lt $n 1) (eq (mod $n 2) 0) }}
{{- fail (printf "zookeeper.replicas must be odd (1, 3, 5, ...), not %d: an even ensemble tolerates no more failures than the next smaller odd one" $n) }}
{{- end }}
{{- else if not .Values.zookeeper.external.connect }}
{{- fail "zookeeper.enabled=false needs zookeeper.external.connect (host:port,host:port,... of an existing ensemble)" }}
{{- end }}
{{- if and (not .Values.auth.existingSecret) (ne (empty .Values.auth.accessKey) (empty .Values.auth.secretKey)) }}
{{- fail "set both auth.accessKey and auth.secretKey, or neither (both are then generated)" }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (ne (toString .Values.podDisruptionBudget.minAvailable) "") (ne (toString .Values.podDisruptionBudget.maxUnavailable) "") }}
{{- fail "set only one of podDisruptionBudget.minAvailable and podDisruptionBudget.maxUnavailable (\"\" unsets one)" }}
{{- end }}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) }}
{{- fail "tls.enabled needs tls.secretName: a kubernetes.io/tls Secret with tls.crt and tls.key (for example written by a cert-manager Certificate)" }}
{{- end }}
{{- $size := int .Values.gateway.chunkSize }}
{{- if not (has $size (list 4096 8192 16384 32768 65536 131072 262144 524288 1048576 2097152 4194304)) }}
{{- fail (printf "gateway.chunkSize must be a power of two from 4096 to 4194304, not %d" $size) }}
{{- end }}
{{- end }}

{{/* The scheme and port name of the S3 port: https with tls.enabled, else http. */}}
{{- define "imagegate.scheme" -}}
{{- if .Values.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{- define "imagegate.zookeeperAuthSecretName" -}}
{{- if .Values.zookeeper.auth.existingSecret }}
{{- .Values.zookeeper.auth.existingSecret }}
{{- else }}
{{- printf "%s-zookeeper-auth" (include "imagegate.fullname" .) }}
{{- end }}
{{- end }}
