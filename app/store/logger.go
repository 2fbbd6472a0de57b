package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm/logger"
)

// gormLogger sends gorm's slow-query reports to slog. Errors are not logged
// here: they are returned to callers, who decide whether they matter (a
// duplicate slug is not an incident). Query parameters are never logged, as
// they hold supporters' personal data.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

// maxLoggedSQL keeps log lines readable when a bulk INSERT is slow.
const maxLoggedSQL = 300

func (l *gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l *gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l *gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l *gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (l *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if l.slow <= 0 || errors.Is(err, context.Canceled) {
		return
	}
	if elapsed := time.Since(begin); elapsed > l.slow {
		sql, rows := fc()
		if len(sql) > maxLoggedSQL {
			sql = sql[:maxLoggedSQL] + "…"
		}
		l.log.WarnContext(ctx, "slow query", "duration", elapsed, "rows", rows, "sql", sql)
	}
}

// ParamsFilter drops query parameters from what gorm hands to Trace.
func (l *gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
