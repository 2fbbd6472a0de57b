package auth

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
)

// TokenPrefix starts every API token, so that secret scanners and people
// recognise one.
const TokenPrefix = "adv_"

// prefixLen is how much of a token is kept in clear to tell tokens apart
// in a list (TokenPrefix plus 4 random characters: 24 bits, no help to a
// guesser of 256).
const prefixLen = len(TokenPrefix) + 4

var errBadToken = app.Errorf(app.EUNAUTHORIZED, "The API token is not valid.")

// CreateToken makes an API token that acts as the user. The
// returned secret is shown once and never stored.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string) (string, *app.APIToken, error) {
	actor, err := requireAdmin(ctx)
	if err != nil {
		return "", nil, err
	}
	u, err := s.st.FindUserByID(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	if err := guardBorrow(actor, u); err != nil {
		return "", nil, err
	}
	if u.Disabled {
		return "", nil, app.Errorf(app.ECONFLICT, "This account is disabled; enable it before creating a token.")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", nil, &app.Error{Code: app.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"name": "Keep the name under 100 characters."}}
	}
	secret := TokenPrefix + randomToken(32)
	t := &app.APIToken{UserID: u.ID, UserEmail: u.Email, Name: name, TokenHash: HashToken(secret),
		Prefix: secret[:prefixLen], CreatedAt: s.now()}
	if err := s.st.CreateAPIToken(ctx, t); err != nil {
		return "", nil, err
	}
	s.record(ctx, "token.create", tokenSubject(t), Detail(map[string]any{"user": u.Email, "name": name}))
	return secret, t, nil
}

func tokenSubject(t *app.APIToken) string { return "token:" + strconv.FormatInt(t.ID, 10) }

// RevokeToken stops a token at once (admins and the CLI).
func (s *Service) RevokeToken(ctx context.Context, id int64) (*app.APIToken, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	t, err := s.st.FindAPIToken(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	if err := s.st.RevokeAPIToken(ctx, id, s.now()); err != nil {
		return nil, err
	}
	now := s.now()
	t.RevokedAt = &now
	s.record(ctx, "token.revoke", tokenSubject(t), Detail(map[string]any{"user": t.UserEmail, "name": t.Name}))
	return t, nil
}

// Tokens lists API tokens (admins and the CLI).
func (s *Service) Tokens(ctx context.Context, f app.APITokenFilter) ([]app.APIToken, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.st.ListAPITokens(ctx, f)
}

// AuthenticateToken returns who an "Authorization: Bearer" token acts for.
// Unknown, revoked and disabled-user tokens are EUNAUTHORIZED.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (app.Actor, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return app.Actor{}, errBadToken
	}
	t, err := s.st.FindAPITokenByHash(ctx, HashToken(secret))
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return app.Actor{}, errBadToken
	}
	if err != nil {
		return app.Actor{}, err
	}
	if t.RevokedAt != nil {
		return app.Actor{}, errBadToken
	}
	u, err := s.st.FindUserByID(ctx, t.UserID)
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return app.Actor{}, errBadToken
	}
	if err != nil {
		return app.Actor{}, err
	}
	if u.Disabled {
		return app.Actor{}, errBadToken
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
		if err := s.st.TouchAPIToken(ctx, t.ID, now); err != nil {
			s.log.WarnContext(ctx, "note API token use", "err", err)
		}
	}
	return u.Actor("token"), nil
}
