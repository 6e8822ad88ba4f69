"""Shared tables: the audit trail, the transition log, the working-day calendar and the record
of the daily scheduled jobs."""

from __future__ import annotations

from django.db import models

from changhu.core.fields import user_fk


class AuditEntry(models.Model):
    """One change to, or one full view of, a record holding personal data."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        VIEW_FULL = "view_full", "查看完整信息"
        IMPORT = "import", "导入"
        EXPORT = "export", "导出"
        LOGIN = "login", "登录"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = user_fk("操作人")
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    channel = models.CharField("渠道", max_length=16, default="system")
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    # {"field": {"label": ..., "old": masked, "new": masked}} or, for views, {"field": label}
    changes = models.JSONField("变更内容（已脱敏）", default=dict, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"


class TransitionLog(models.Model):
    """A state change of a workflow object: who moved it, from where to where, and why."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = user_fk("操作人")
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象编号", max_length=64)
    from_state = models.CharField("原状态", max_length=32, blank=True)
    to_state = models.CharField("新状态", max_length=32)
    reason = models.CharField("原因", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "状态流转记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.from_state}→{self.to_state}"


class CalendarDay(models.Model):
    """A day the State Council's holiday notice changes: a holiday, or a weekend worked (调休).

    Days not listed follow the ordinary week (Monday to Friday working). ``year`` is the year of
    the notice the day comes from, which may differ from the day's own year at a year's edge.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    name = models.CharField("名称", max_length=32)
    year = models.PositiveSmallIntegerField("所属年度", db_index=True)
    dataset_version = models.CharField("数据版本", max_length=48)

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]), name="calendar_day_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"


class DailyJobRun(models.Model):
    """One day's run of a scheduled job (``changhu worker``): the row is the claim, so several
    workers, or a restarted one, run each job once a day."""

    class Status(models.TextChoices):
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    name = models.CharField("任务", max_length=64)
    day = models.DateField("日期")
    status = models.CharField("状态", max_length=8, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=1)
    worker = models.CharField("执行进程", max_length=120, blank=True)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    output = models.TextField("结果", blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "每日定时任务"
        ordering = ["-day", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "day"], name="daily_job_run_once_a_day"),
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "done", "failed"]),
                name="daily_job_run_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name} {self.get_status_display()}"
