<?php
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>.

/**
 * Web-service functions of local_lemma and the pre-built service 'lemma'.
 *
 * Generated from lemma_pkg/plugin/contract.yaml and lemma_pkg/moodle/functions.py by
 * `python -m lemma_pkg.plugin.services --write`; do not edit by hand.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$functions = [
    'local_lemma_course_map' => [
        'classname' => 'local_lemma\\external\\course_map',
        'description' => 'Every course module of a course with its idnumber, section and visibility, in section order, in one call (core_course_get_contents has no idnumber).',
        'type' => 'read',
        'capabilities' => 'moodle/course:manageactivities',
        'ajax' => false,
    ],
    'local_lemma_site_rules' => [
        'classname' => 'local_lemma\\external\\site_rules',
        'description' => 'What the site accepts when users are created, which no core function reports: the username, email and password rules, installed languages, themes and authentication plugins, countries, time zones, the custom profile fields with their settings, the course-level roles, and PHP\'s request limits. lemma enrol checks every roster row against these before it writes anything.',
        'type' => 'read',
        'capabilities' => 'moodle/user:create',
        'ajax' => false,
    ],
    'local_lemma_sync_profile_fields' => [
        'classname' => 'local_lemma\\external\\sync_profile_fields',
        'description' => 'Compare custom user profile fields (a course\'s registration background) with the site\'s and, with apply=1, create the missing ones and update those that differ, through Moodle\'s profile field API. Never deletes a field or any user\'s data, and never changes a field\'s type.',
        'type' => 'write',
        'capabilities' => 'moodle/site:config',
        'ajax' => false,
    ],
    'local_lemma_course_enrolments' => [
        'classname' => 'local_lemma\\external\\course_enrolments',
        'description' => 'A course\'s manual enrolment method (enabled, default role and period), the roles the caller may assign there, and every enrolled user with each enrolment\'s status and dates, roles and groups, in pages ordered by user id. No core function gives enrolment dates, so without it a re-run roster could not tell an unchanged enrolment from a changed one.',
        'type' => 'read',
        'capabilities' => 'moodle/course:enrolreview',
        'ajax' => false,
    ],
    'local_lemma_restore_course' => [
        'classname' => 'local_lemma\\external\\restore_course',
        'description' => 'Restore a course backup from the caller\'s draft area (webservice/upload.php) as a new course in a category, or into an existing course replacing its content while keeping its enrolments, roles, groups and groupings. Runs Moodle\'s restore precheck at once and the restore itself as an adhoc task (poll local_lemma_restore_status); the final full name, short name and idnumber are set after the restore, never renamed. Sending the same requestid again returns the first request\'s restore.',
        'type' => 'write',
        'capabilities' => 'moodle/restore:restorecourse, moodle/course:create, moodle/course:update',
        'ajax' => false,
    ],
    'local_lemma_restore_status' => [
        'classname' => 'local_lemma\\external\\restore_status',
        'description' => 'The restores lemma started, by restore id, request id or course (newest first): state, progress, course, final names, the archive\'s sha256 and the warnings of the restore log. An empty list when nothing matches.',
        'type' => 'read',
        'capabilities' => 'moodle/restore:restorecourse',
        'ajax' => false,
    ],
    'local_lemma_restore_cleanup' => [
        'classname' => 'local_lemma\\external\\restore_cleanup',
        'description' => 'Give up a restore whose cron process died (killed mid-restore) or whose task is gone: remove its task and delete the new course it was restoring into, so that no half-restored course stays behind. A finished restore is left as it is; a running one is refused (errorrestorerunning).',
        'type' => 'write',
        'capabilities' => 'moodle/restore:restorecourse',
        'ajax' => false,
    ],
    'local_lemma_register_filetypes' => [
        'classname' => 'local_lemma\\external\\register_filetypes',
        'description' => 'Register file extensions the site does not know (Site administration > Server > File types) so that data sets such as MLwiN worksheets are not stored and served as text. Extensions the site already knows are left as they are.',
        'type' => 'write',
        'capabilities' => 'moodle/site:config',
        'ajax' => false,
    ],
    'local_lemma_course_learner_data' => [
        'classname' => 'local_lemma\\external\\course_learner_data',
        'description' => 'The learner data of a course for research exports and backups, a page of enrolled users at a time (ordered by user id): each user\'s enrolment time, last access, roles and profile fields, with their activity completion rows, quiz attempts with marks per question, grades and course completion. Rows can be limited to those changed since a time. The course structure (modules, quizzes, grade items, profile fields) comes with the first page only.',
        'type' => 'read',
        'capabilities' => 'local/lemma:exportlearnerdata',
        'ajax' => false,
    ],
    'local_lemma_update_state' => [
        'classname' => 'local_lemma\\external\\update_state',
        'description' => 'What an update compares a build with: the course\'s sections with their modules in order, each quiz\'s slots (question bank entry idnumber, latest version) and attempt count, the activities course completion requires, and the fingerprints of what lemma last applied.',
        'type' => 'read',
        'capabilities' => 'moodle/course:manageactivities',
        'ajax' => false,
    ],
    'local_lemma_record_applied' => [
        'classname' => 'local_lemma\\external\\record_applied',
        'description' => 'Record the fingerprints of a build without changing the course (the baseline right after a deploy restores it).',
        'type' => 'write',
        'capabilities' => 'moodle/course:update',
        'ajax' => false,
    ],
    'local_lemma_update_item' => [
        'classname' => 'local_lemma\\external\\update_item',
        'description' => 'Update a page, label, URL, file or glossary in place (same cmid) with update_moduleinfo(): the named aspects only (name, text, files from a draft area, completion rules, visibility, glossary entries added or updated by concept).',
        'type' => 'write',
        'capabilities' => 'moodle/course:manageactivities, moodle/course:activityvisibility',
        'ajax' => false,
    ],
    'local_lemma_update_quiz' => [
        'classname' => 'local_lemma\\external\\update_quiz',
        'description' => 'Update a quiz in place (same cmid): name, description, settings and feedback bands, completion rules, visibility; a changed question becomes a new version of its question bank entry (attempts keep the version they used); slots change only while the quiz has no attempts unless forced.',
        'type' => 'write',
        'capabilities' => 'moodle/course:manageactivities, moodle/course:activityvisibility, moodle/question:editall, moodle/question:add',
        'ajax' => false,
    ],
    'local_lemma_restore_items' => [
        'classname' => 'local_lemma\\external\\restore_items',
        'description' => 'Restore the activities of an uploaded partial backup into an existing course (adding, nothing else changed) and answer their course modules by idnumber; items already there are not restored again.',
        'type' => 'write',
        'capabilities' => 'moodle/restore:restorecourse, moodle/course:manageactivities',
        'ajax' => false,
    ],
    'local_lemma_update_sections' => [
        'classname' => 'local_lemma\\external\\update_sections',
        'description' => 'Sections as the build has them: created when missing, renamed, summaries and restrictions (availability JSON with the live ids) rewritten, modules put in order with moveto_module().',
        'type' => 'write',
        'capabilities' => 'moodle/course:update, moodle/course:manageactivities',
        'ajax' => false,
    ],
    'local_lemma_remove_items' => [
        'classname' => 'local_lemma\\external\\remove_items',
        'description' => 'Items removed from the sources: hidden (learner data kept), or deleted with course_delete_module() when `delete` is set; their fingerprints are forgotten.',
        'type' => 'write',
        'capabilities' => 'moodle/course:activityvisibility, moodle/course:manageactivities',
        'ajax' => false,
    ],
    'local_lemma_update_course_completion' => [
        'classname' => 'local_lemma\\external\\update_course_completion',
        'description' => 'Make the course\'s activity completion criteria exactly the given modules, one criterion at a time (learners\' course completions are kept).',
        'type' => 'write',
        'capabilities' => 'moodle/course:update',
        'ajax' => false,
    ],
];

$services = [
    'lemma' => [
        'functions' => [
            'core_cohort_add_cohort_members',
            'core_cohort_create_cohorts',
            'core_cohort_get_cohort_members',
            'core_cohort_get_cohorts',
            'core_completion_get_activities_completion_status',
            'core_completion_get_course_completion_status',
            'core_course_create_categories',
            'core_course_create_courses',
            'core_course_delete_courses',
            'core_course_get_categories',
            'core_course_get_contents',
            'core_course_get_course_module',
            'core_course_get_courses_by_field',
            'core_course_update_courses',
            'core_enrol_get_enrolled_users',
            'core_files_get_files',
            'core_group_add_group_members',
            'core_group_create_groups',
            'core_group_get_course_groups',
            'core_user_create_users',
            'core_user_get_users_by_field',
            'core_user_update_users',
            'core_webservice_get_site_info',
            'enrol_manual_enrol_users',
            'enrol_manual_unenrol_users',
            'gradereport_user_get_grade_items',
            'local_lemma_course_enrolments',
            'local_lemma_course_learner_data',
            'local_lemma_course_map',
            'local_lemma_record_applied',
            'local_lemma_register_filetypes',
            'local_lemma_remove_items',
            'local_lemma_restore_cleanup',
            'local_lemma_restore_course',
            'local_lemma_restore_items',
            'local_lemma_restore_status',
            'local_lemma_site_rules',
            'local_lemma_sync_profile_fields',
            'local_lemma_update_course_completion',
            'local_lemma_update_item',
            'local_lemma_update_quiz',
            'local_lemma_update_sections',
            'local_lemma_update_state',
            'mod_quiz_get_attempt_review',
            'mod_quiz_get_quizzes_by_courses',
            'mod_quiz_get_user_attempts',
            'mod_quiz_get_user_best_grade',
        ],
        'shortname' => 'lemma',
        'enabled' => 1,
        'restrictedusers' => 0,
        'uploadfiles' => 1,
        'downloadfiles' => 1,
    ],
];
