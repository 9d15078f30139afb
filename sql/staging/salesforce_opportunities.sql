-- staging.salesforce_opportunities: one row per Salesforce Opportunity, i.e. deal (deleted included),
-- cleaned: ids as <source>:<id> (an empty id is none), the prospect (AccountId, else ContactId), the
-- exact amount (DECIMAL(38,10)) and its currency upper-cased (empty is none), the lead source (empty is
-- none). staging.deals reads it.
with

final as (
    select
        'salesforce:' || opportunities.Id as deal_id,
        'salesforce' as source,
        opportunities.Id as crm_id,
        opportunities.Name as deal_name,
        nullif(opportunities.OwnerId, '') as owner_id,
        'salesforce:' || coalesce(nullif(opportunities.AccountId, ''), nullif(opportunities.ContactId, ''))
            as prospect_id,
        cast(null as varchar) as pipeline,
        opportunities.StageName as stage,
        cast(nullif(trim(cast(opportunities.Amount as varchar)), '') as decimal(38, 10)) as exact_amount,
        upper(nullif(trim(opportunities.CurrencyIsoCode), '')) as deal_currency,
        nullif(trim(opportunities.LeadSource), '') as lead_source,
        opportunities.CreatedDate as created_at,
        coalesce(opportunities.IsClosed, false) as is_closed,
        coalesce(opportunities.IsWon, false) as is_won,
        opportunities.CloseDate as close_date,
        coalesce(opportunities._is_deleted, false) as is_deleted,
        coalesce(opportunities.SystemModstamp, opportunities._source_updated_at) as source_updated_at
    from raw_salesforce.opportunity as opportunities
)

select * from final
