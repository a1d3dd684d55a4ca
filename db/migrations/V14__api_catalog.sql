-- What the developer portal's catalog searches besides an API's name: its document's description and tags, kept
-- with each stored document version when it is published (documents stored before this have neither).
alter table api_documents add column description text;
alter table api_documents add column tags text not null default '';
