"""`{% suggestions_panel %}`: a signed-in citizen's proactive suggestions, for their home page;
`{% campaign_reach_panel %}`: the reach of each campaign, for the operations centre."""

from django import template

from tinhso.notifications import rules, selectors

register = template.Library()


@register.inclusion_tag("notifications/suggestions_panel.html", takes_context=True)
def suggestions_panel(context: template.Context) -> dict[str, object]:
    user = context["request"].user
    if not user.is_authenticated or not user.is_citizen:
        return {"suggestions": []}
    shown = [(s, rules.suggestion_text(s.rule, s.due_on)) for s in selectors.suggestions_for(user)]
    return {"suggestions": shown, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("notifications/campaign_reach.html")
def campaign_reach_panel() -> dict[str, object]:
    """The operations centre's view of each proactive campaign: found, told, opened, submitted, finished."""
    return {"reach": [r for r in selectors.campaign_reach() if r.rule.active or r.found]}
